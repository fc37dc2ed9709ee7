package groundup.nn;

/** Whether a forward pass trains (batch statistics, dropout on) or infers. */
public enum Mode { TRAIN, INFERENCE }
