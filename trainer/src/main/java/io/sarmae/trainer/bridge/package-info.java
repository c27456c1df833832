/**
 * What the trainer's JNI bridges into DJL's libtorch share ({@link
 * io.sarmae.trainer.bridge.NativeBridges}): the check that the loaded libtorch is the exact binary
 * the bridges were written against, and unpacking a bridge library. The collectives bridge ({@code
 * dist}) and the operators bridge ({@code ops}) both use it; it depends on nothing but {@code
 * config} (for the refusal's exception), so neither bridge ties the runtime to the model.
 */
package io.sarmae.trainer.bridge;
