package groundup.errors;

/**
 * A value a caller gave that cannot work: a batch of 0, a learning rate of NaN, an option
 * that does not apply to the chosen network, a batch the heap cannot hold, an output path
 * that is one of the inputs. {@link #setting} names it as the files spell it ("batch",
 * "weight_decay", "hidden", "dir"); the message starts with that name and its value and says
 * what would work: "batch 0: must be positive". The command line reports the flag instead
 * ("--batch 0: must be positive") with exit code 2.
 */
public class InvalidSettingException extends IllegalArgumentException {
    private final String setting;

    public InvalidSettingException(String setting, String message) {
        super(message);
        this.setting = setting;
    }

    public InvalidSettingException(String setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    /** The setting's name: a key of RunConfig's settings, a NetworkSpec field, or an argument ("dir", "data"). */
    public String setting() { return setting; }
}
