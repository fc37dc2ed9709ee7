package groundup.profile;

import java.util.Arrays;

/** The median of a span's times over the timed steps, with their range, in milliseconds. */
public record Stat(double median, double min, double max) {

    public static Stat of(double[] ms) {
        if (ms.length == 0) throw new IllegalArgumentException("no times");
        double[] s = ms.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Stat(median, s[0], s[n - 1]);
    }
}
