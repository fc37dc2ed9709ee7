package groundup.optim;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.nn.Layer;
import groundup.nn.Parameter;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The book's optimizers (chapter 6) with their defaults, as one fused backend step per
 * parameter. Weight decay is L2 on weights only ({@link Parameter#decays}): the loss gains
 * 0.5*lambda*|W|^2 and the step uses the gradient plus lambda*W ({@link UpdateRule#decay}),
 * without writing it into {@link Parameter#grad}.
 */
public final class Optimizer implements AutoCloseable {

    public static final float MOMENTUM = 0.9f, RMS_DECAY = 0.99f, BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-7f;

    private final Backend b;
    private final UpdateRule.Kind kind;
    private final float lr, weightDecay;
    private final LrSchedule schedule;
    private final long scheduleSteps;
    private final Map<Parameter, Tensor[]> state = new IdentityHashMap<>();
    private long steps;

    /** The book's optimizer: a constant learning rate. */
    public Optimizer(Backend b, UpdateRule.Kind kind, float lr, float weightDecay) {
        this(b, kind, lr, weightDecay, LrSchedule.CONSTANT, 0);
    }

    /**
     * @param scheduleSteps the run's length in steps, over which {@code schedule} moves the rate
     *                      (ignored by {@link LrSchedule#CONSTANT})
     */
    public Optimizer(Backend b, UpdateRule.Kind kind, float lr, float weightDecay, LrSchedule schedule, long scheduleSteps) {
        if (!(lr > 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("learning rate " + lr + " must be positive");
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay " + weightDecay + " must be zero or positive");
        }
        this.b = b;
        this.kind = kind;
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.schedule = schedule;
        this.scheduleSteps = scheduleSteps;
        if (schedule != LrSchedule.CONSTANT && scheduleSteps < 1) {
            throw new IllegalArgumentException(schedule.id() + " schedule over " + scheduleSteps + " steps: must be 1 or more");
        }
    }

    /** The base learning rate (the schedule's start). */
    public float lr() { return lr; }

    /** The learning rate of the next step. */
    public float currentLr() { return schedule.rate(lr, steps + 1, scheduleSteps); }

    /** Steps taken so far (Adam's t). */
    public long steps() { return steps; }

    private UpdateRule rule(long t) {
        float lr = schedule.rate(this.lr, t, scheduleSteps);
        return switch (kind) {
            case SGD -> UpdateRule.sgd(lr);
            case MOMENTUM -> UpdateRule.momentum(lr, MOMENTUM);
            case NESTEROV -> UpdateRule.nesterov(lr, MOMENTUM);
            case ADAGRAD -> UpdateRule.adagrad(lr, EPS);
            case RMSPROP -> UpdateRule.rmsprop(lr, RMS_DECAY, EPS);
            case ADAM -> UpdateRule.adam(lr, BETA1, BETA2, EPS, t);
        };
    }

    /** One update of every parameter from its current gradient. */
    public void step(List<Parameter> params) {
        steps++;
        UpdateRule rule = rule(steps), decayed = weightDecay > 0 ? rule.withDecay(weightDecay) : rule;
        for (Parameter p : params) {
            Tensor[] s = slots(p, rule.stateCount());
            b.optimizerStep(p.decays() ? decayed : rule, p.value(), p.grad(), s[0], s[1]);   // the gradient stays as backward left it
        }
    }

    /** 0.5 * lambda * sum of |W|^2 over the decaying parameters: the loss term of weight decay. */
    public double decayLoss(List<Parameter> params) {
        if (weightDecay == 0) return 0;
        double s = 0;
        for (Parameter p : params) if (p.decays()) s += b.dot(p.value(), p.value());
        return 0.5 * weightDecay * s;
    }

    private Tensor[] slots(Parameter p, int count) {
        return state.computeIfAbsent(p, k -> {
            Tensor[] s = new Tensor[2];
            for (int i = 0; i < count; i++) s[i] = b.allocate(k.value().shape());
            return s;
        });
    }

    /** The state tensors for checkpoints, named "&lt;param&gt;.opt0", ".opt1"; allocated if not yet. */
    public List<Layer.NamedTensor> state(List<Parameter> params) {
        int count = rule(Math.max(1, steps)).stateCount();
        List<Layer.NamedTensor> out = new ArrayList<>();
        for (Parameter p : params) {
            Tensor[] s = slots(p, count);
            for (int i = 0; i < count; i++) out.add(new Layer.NamedTensor(p.name() + ".opt" + i, s[i]));
        }
        return out;
    }

    /** Sets the step count, when resuming from a checkpoint. */
    public void restoreSteps(long steps) { this.steps = steps; }

    @Override public void close() {
        for (Tensor[] s : state.values()) for (Tensor t : s) if (t != null) t.close();
        state.clear();
    }
}
