package groundup.cli;

/**
 * A well-formed command that cannot be carried out here, for a reason its message names (this
 * Java lacks java.desktop, say). Exit code 1, one line, no stack trace: not a bug.
 */
final class CommandFailedException extends RuntimeException {
    CommandFailedException(String message, Throwable cause) { super(message, cause); }

    CommandFailedException(String message) { super(message); }
}
