package groundup.cli;

import groundup.errors.InvalidSettingException;
import java.util.Map;

/** The flag that sets each setting of the library, so that its refusals read as the command line's. */
final class Flags {
    private Flags() {}

    /** Settings whose flag is not "--" and the key with '-' for '_'. */
    private static final Map<String, String> OTHER = Map.of("batch_norm", "--batchnorm", "dir", "--out");

    /** A system property's setting ("groundup.train.readEvery") is given as -D. */
    static String flag(String setting) {
        if (setting.startsWith("groundup.")) return "-D" + setting;
        return OTHER.getOrDefault(setting, "--" + setting.replace('_', '-'));
    }

    /** "batch 0: must be positive" as "--batch 0: must be positive"; a message that does not start with its setting gets the flag before it. */
    static String message(InvalidSettingException e) {
        String s = e.setting(), m = e.getMessage(), f = flag(s);
        if (m.startsWith(s + " ") || m.startsWith(s + ":") || m.startsWith(s + "=")) return f + m.substring(s.length());
        return f + ": " + m;
    }
}
