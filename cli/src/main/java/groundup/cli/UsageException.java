package groundup.cli;

/** A command line that asks for something impossible: a bad flag value, conflicting flags. Exit code 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) { super(message); }
}
