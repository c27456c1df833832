package io.sarmae.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of the operator image. Settings come from the environment ({@link OperatorConfig}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().build();
    SarmaeOperator operator = SarmaeOperator.fromEnvironment(client);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // SIGTERM: finish in-flight reconciles, stop informers, release the Lease.
                  operator.close();
                  client.close();
                  stopped.countDown();
                },
                "sarmae-shutdown"));
    operator.start();
    stopped.await();
  }
}
