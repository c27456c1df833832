package io.sarmae.trainer.dist;

/**
 * A c10d call failed: a peer died or closed its connections, a timeout passed, or the rendezvous
 * could not complete. Thrown by the native bridge with libtorch's message (its C++ backtrace cut
 * off).
 */
public class CollectiveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CollectiveException(String message) {
    super(shorten(message));
  }

  /** libtorch appends "Exception raised from ..." and a frame list to its messages. */
  static String shorten(String message) {
    if (message == null) {
      return "c10d failed without a message";
    }
    int cut = message.indexOf("Exception raised from");
    String head = cut >= 0 ? message.substring(0, cut) : message;
    return head.strip();
  }
}
