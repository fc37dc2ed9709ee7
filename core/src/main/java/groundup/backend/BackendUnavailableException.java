package groundup.backend;

/** A requested backend cannot be used here; the message says what is missing. */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) { super(message); }

    public BackendUnavailableException(String message, Throwable cause) { super(message, cause); }
}
