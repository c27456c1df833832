package io.sarmae.trainer;

public final class Main {
  public static void main(String[] args) {
    try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
      System.out.println(m.getEngine().getEngineName() + " " + m.getEngine().getVersion() + " " + m.ones(new ai.djl.ndarray.types.Shape(2, 2)).sum());
    }
  }
}
