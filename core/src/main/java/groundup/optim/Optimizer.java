package groundup.optim;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.nn.Layer;
import groundup.nn.Parameter;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The book's optimizers (chapter 6) with their defaults, as one fused backend step over every
 * parameter ({@link Backend#optimizerSteps}) at a rate the device reads from a plan of the coming
 * steps' rates, so that a step needs no value from the host. Weight decay is L2 on weights only ({@link Parameter#decays}): the loss gains
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
    /** Steps one plan covers where nobody asked for more: an upload per this many steps. */
    private static final int PLAN = 256;
    private final Tensor at, one;          // (1): the next step's position in rates; 1
    private Tensor rates;                  // the rates of the planned steps
    private float[] hostRates;
    private int planned;                   // planned steps not yet taken
    private Parameter[] arrayed;           // the parameters of the arrays below
    private Tensor[] values, grads, s1, s2;
    private boolean[] decays;

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
        this.at = b.allocate(Shape.of(1));
        this.one = b.allocate(Shape.of(1));
        b.fill(one, 1f);
    }

    // the rule optimizerSteps takes, made once: its learning rate is not used (each step's is in rates),
    // and the rest (kind, moments' decays, eps, weight decay) is the same every step
    private UpdateRule stepRule;

    /** The base learning rate (the schedule's start). */
    public float lr() { return lr; }

    /** The learning rate of the next step. */
    public float currentLr() { return schedule.rate(lr, steps + 1, scheduleSteps); }

    /** Steps taken so far (Adam's t). */
    public long steps() { return steps; }

    /** rule(t).lr(), making no rule: plan() fills a table of them. */
    private float rate(long t) {
        float lr = schedule.rate(this.lr, t, scheduleSteps);
        return kind == UpdateRule.Kind.ADAM ? UpdateRule.adamRate(lr, BETA1, BETA2, t) : lr;
    }

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

    /**
     * Puts the rates of the next n steps on the device (one upload), so that those steps need
     * no value from the host ({@link Backend#optimizerSteps} reads each one at a position the
     * device advances): what a trainer does where a wait costs nothing, at the start of an
     * epoch. {@link #step} plans on its own when its plan runs out.
     */
    public void plan(int n) {
        if (n < 1) throw new IllegalArgumentException("a plan of " + n + " steps");
        if (rates == null || rates.size() < n) {
            if (rates != null) rates.close();
            rates = b.allocate(Shape.of(n));
            hostRates = new float[n];
        }
        for (int i = 0; i < n; i++) hostRates[i] = rate(steps + 1 + i);
        b.upload(hostRates, 0, rates);
        b.fill(at, 0f);
        planned = n;
    }

    /** One update of every parameter from its current gradient: {@link #issue} and {@link #stepped}. */
    public void step(List<Parameter> params) {
        if (planned == 0) plan(Math.max(PLAN, rates == null ? 0 : rates.size()));
        issue(params);
        stepped();
    }

    /**
     * The device's part of a step: one fused update of every parameter ({@link Backend#optimizerSteps},
     * the gradient left as backward left it) at the planned rate, and the plan's position moved
     * on. It issues the same ops every step and changes nothing on the host, so a captured step
     * may replay it; {@link #stepped} is the host's part. Needs a planned step ({@link #plan}).
     */
    public void issue(List<Parameter> params) {
        if (planned == 0) throw new IllegalStateException("no planned step left: plan() first");
        arrays(params);
        if (stepRule == null) {
            UpdateRule rule = rule(steps + 1);
            stepRule = weightDecay > 0 ? rule.withDecay(weightDecay) : rule;
        }
        b.optimizerSteps(stepRule, rates, at, values, grads, s1, s2, decays);
        b.axpy(1f, one, at);
    }

    /** The host's part of a step whose device part was issued ({@link #issue}) or replayed: the count moves on. */
    public void stepped() {
        if (planned == 0) throw new IllegalStateException("no planned step left: plan() first");
        steps++;
        planned--;
    }

    /** The arrays optimizerSteps takes, made again only when the parameters change (state allocated on first use). */
    private void arrays(List<Parameter> params) {
        boolean same = arrayed != null && arrayed.length == params.size();
        for (int i = 0; same && i < arrayed.length; i++) same = arrayed[i] == params.get(i);
        if (same) return;
        int n = params.size(), count = rule(1).stateCount();
        arrayed = params.toArray(new Parameter[0]);
        values = new Tensor[n];
        grads = new Tensor[n];
        s1 = new Tensor[n];
        s2 = new Tensor[n];
        decays = new boolean[n];
        for (int i = 0; i < n; i++) {
            Tensor[] st = slots(arrayed[i], count);
            values[i] = arrayed[i].value();
            grads[i] = arrayed[i].grad();
            s1[i] = st[0];
            s2[i] = st[1];
            decays[i] = arrayed[i].decays();
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

    /** Sets the step count, when resuming from a checkpoint (the rates planned so far no longer apply). */
    public void restoreSteps(long steps) {
        this.steps = steps;
        this.planned = 0;
    }

    @Override public void close() {
        for (Tensor[] s : state.values()) for (Tensor t : s) if (t != null) t.close();
        state.clear();
        arrayed = null;
        for (Tensor t : new Tensor[] {at, one, rates}) if (t != null) t.close();
    }
}
