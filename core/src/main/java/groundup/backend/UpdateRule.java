package groundup.backend;

/**
 * One fused optimizer step over a parameter p, its gradient g and up to two state
 * tensors s1, s2 (same shape as p, zero at the start). The formulas are the book's:
 * <pre>
 * SGD       p -= lr*g
 * MOMENTUM  s1 = momentum*s1 - lr*g;  p += s1
 * NESTEROV  s1 = momentum*s1 - lr*g;  p += momentum^2*s1 - (1+momentum)*lr*g
 * ADAGRAD   s1 += g*g;                p -= lr*g / (sqrt(s1) + eps)
 * RMSPROP   s1 = decay*s1 + (1-decay)*g*g;  p -= lr*g / (sqrt(s1) + eps)
 * ADAM      s1 += (1-beta1)*(g - s1); s2 += (1-beta2)*(g*g - s2);  p -= lrT*s1 / (sqrt(s2) + eps)
 *           with lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t), computed on the host ({@link #adam})
 * </pre>
 * {@code a} and {@code b} carry momentum / decay / beta1 / beta2 as each kind needs.
 * {@code decay} is L2 weight decay: the step uses g + decay*p in place of g, and g itself is
 * left as it was (0: none).
 */
public record UpdateRule(Kind kind, float lr, float a, float b, float eps, float decay) {

    /** The optimizers: the one enum for the rule a backend applies and the optimizer a user picks. */
    public enum Kind {
        SGD(0.01f), MOMENTUM(0.01f), NESTEROV(0.01f), ADAGRAD(0.01f), RMSPROP(0.01f), ADAM(0.001f);

        /** The book's default learning rate. */
        public final float defaultLr;

        Kind(float lr) { this.defaultLr = lr; }

        /** "adam", "SGD"...: the kind, or an IllegalArgumentException listing the names. */
        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of "
                        + java.util.Arrays.stream(values()).map(k -> k.name().toLowerCase(java.util.Locale.ROOT)).toList());
            }
        }
    }

    /** This rule with L2 weight decay lambda (the optimizer gives it to the parameters that decay). */
    public UpdateRule withDecay(float lambda) { return new UpdateRule(kind, lr, a, b, eps, lambda); }

    /** How many state tensors the kind uses. */
    public int stateCount() {
        return switch (kind) {
            case SGD -> 0;
            case MOMENTUM, NESTEROV, ADAGRAD, RMSPROP -> 1;
            case ADAM -> 2;
        };
    }

    public static UpdateRule sgd(float lr) { return new UpdateRule(Kind.SGD, lr, 0, 0, 0, 0); }

    public static UpdateRule momentum(float lr, float momentum) { return new UpdateRule(Kind.MOMENTUM, lr, momentum, 0, 0, 0); }

    public static UpdateRule nesterov(float lr, float momentum) { return new UpdateRule(Kind.NESTEROV, lr, momentum, 0, 0, 0); }

    public static UpdateRule adagrad(float lr, float eps) { return new UpdateRule(Kind.ADAGRAD, lr, 0, 0, eps, 0); }

    public static UpdateRule rmsprop(float lr, float decay, float eps) { return new UpdateRule(Kind.RMSPROP, lr, decay, 0, eps, 0); }

    /** Adam at step {@code t} (1-based): the bias correction is folded into the learning rate. */
    public static UpdateRule adam(float lr, float beta1, float beta2, float eps, long t) {
        return new UpdateRule(Kind.ADAM, adamRate(lr, beta1, beta2, t), beta1, beta2, eps, 0);
    }

    /** Adam's learning rate at step t (1-based) with the bias correction folded in: {@link #adam}'s lr. */
    public static float adamRate(float lr, float beta1, float beta2, long t) {
        return (float) (lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
    }
}
