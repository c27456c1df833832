package io.sarmae.trainer.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.util.Map;

/**
 * Base of the SARMAE blocks: every parameter shape is fixed at construction from the {@link
 * VitSpec}, so parameter counts and reference names are available before (and without) allocating,
 * and {@code initialize(manager, dataType)} needs no input shapes.
 */
public abstract class FixedShapeBlock extends AbstractBlock {

  /** Parameter shapes do not depend on inputs; children only record the shapes they were given. */
  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (Block child : children.values()) {
      child.initialize(manager, dataType, inputShapes);
    }
  }

  /**
   * Adds this block's parameters to {@code out} under the reference (PyTorch) names, in the
   * reference state-dict order, each prefixed by {@code prefix} (e.g. {@code "blocks.3."}).
   */
  public abstract void collectReferenceParameters(String prefix, Map<String, Parameter> out);

  /**
   * Allocates and initialises all parameters on {@code manager} in float32 (parameter shapes are
   * fixed, so no input shapes are needed).
   */
  public void initialize(NDManager manager) {
    initialize(manager, DataType.FLOAT32);
  }

  /** A parameter of fixed shape that trains (DJL's builder, written once). */
  protected static Parameter parameter(
      String name, Parameter.Type type, Shape shape, Initializer initializer) {
    return Parameter.builder()
        .setName(name)
        .setType(type)
        .optShape(shape)
        .optInitializer(initializer)
        .build();
  }

  /** A parameter of fixed shape without gradient (running statistics, fixed tables, masks). */
  protected static Parameter buffer(
      String name, Parameter.Type type, Shape shape, Initializer initializer) {
    return Parameter.builder()
        .setName(name)
        .setType(type)
        .optShape(shape)
        .optInitializer(initializer)
        .optRequiresGrad(false)
        .build();
  }

  /** Total number of scalars in this block's parameters (frozen ones included). */
  public long parameterCount() {
    return getParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
  }

  /** Number of scalars in parameters that require gradients. */
  public long trainableParameterCount() {
    return getParameters().values().stream()
        .filter(Parameter::requiresGradient)
        .mapToLong(p -> p.getShape().size())
        .sum();
  }
}
