package groundup.cli;

/** A command line that asks for something impossible: a bad flag value, conflicting flags. Exit code 2. */
final class UsageException extends RuntimeException {
    UsageException(String message) { super(message); }

    /** parse's value; its IllegalArgumentException as a usage error naming the flag: "--precision: ...". */
    static <T> T parsed(String flag, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag + ": " + e.getMessage());
        }
    }
}
