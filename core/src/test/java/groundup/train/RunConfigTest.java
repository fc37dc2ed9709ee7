package groundup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import groundup.backend.UpdateRule;
import groundup.data.KnownDataset;
import groundup.errors.InvalidSettingException;
import groundup.nn.NetworkSpec;
import groundup.optim.LrSchedule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A library user's bad values: an InvalidSettingException whose setting() and message name the value, as the command line's flags do. */
class RunConfigTest {
    private static final NetworkSpec NET = NetworkSpec.of("two-layer");

    private static RunConfig config(float lr, float wd, int batch, int epochs, Integer trainLimit, Integer testLimit, int validation) {
        return new RunConfig(KnownDataset.MNIST, NET, UpdateRule.Kind.SGD, lr, LrSchedule.CONSTANT, wd, batch, epochs, 1L, trainLimit, testLimit, validation);
    }

    private static void refused(String setting, String start, Supplier<?> make) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, make::get);
        assertEquals(setting, e.setting(), e.getMessage());
        assertEquals(start, e.getMessage().substring(0, Math.min(start.length(), e.getMessage().length())), e.getMessage());
    }

    @Test void everyBadValueIsNamed() {
        refused("lr", "lr 0.0: must be a positive number", () -> config(0, 0, 100, 1, null, null, 0));
        refused("lr", "lr NaN:", () -> config(Float.NaN, 0, 100, 1, null, null, 0));
        refused("lr", "lr Infinity:", () -> config(Float.POSITIVE_INFINITY, 0, 100, 1, null, null, 0));
        refused("weight_decay", "weight_decay -1.0:", () -> config(0.1f, -1, 100, 1, null, null, 0));
        refused("weight_decay", "weight_decay NaN:", () -> config(0.1f, Float.NaN, 100, 1, null, null, 0));
        refused("batch", "batch 0: must be positive", () -> config(0.1f, 0, 0, 1, null, null, 0));
        refused("epochs", "epochs -2:", () -> config(0.1f, 0, 100, -2, null, null, 0));
        refused("train_limit", "train_limit 0:", () -> config(0.1f, 0, 100, 1, 0, null, 0));
        refused("test_limit", "test_limit -1:", () -> config(0.1f, 0, 100, 1, null, -1, 0));
        refused("validation", "validation -5:", () -> config(0.1f, 0, 100, 1, null, null, -5));
    }

    @Test void optionsThatDoNotApplyToTheNetworkAreRefused() {
        refused("hidden", "hidden [50]: applies to mlp only", () -> new NetworkSpec("simple-cnn", List.of(50), false, 0f));
        refused("batch_norm", "batch_norm: applies to mlp only", () -> new NetworkSpec("deep-cnn", List.of(), true, 0f));
        refused("dropout", "dropout 0.5: applies to mlp only", () -> new NetworkSpec("two-layer", List.of(), false, 0.5f));
        refused("net", "net resnet: unknown network", () -> new NetworkSpec("resnet", List.of(), false, 0f));
        refused("hidden", "hidden [10, 0]: sizes must be positive", () -> new NetworkSpec("mlp", List.of(10, 0), false, 0f));
        refused("dropout", "dropout NaN:", () -> new NetworkSpec("mlp", List.of(10), false, Float.NaN));
        refused("hidden", "hidden [100000, 100000]: an mlp of these sizes has 10,079,600,010 parameters",
                () -> { HeapCheck.network(new NetworkSpec("mlp", List.of(100_000, 100_000), false, 0f)); return null; });
    }

    @Test void settingsReadFromAFileNameTheBadOne() {
        Map<String, String> good = config(0.1f, 0, 100, 3, null, null, 0).settings();
        Map<String, String[]> bad = Map.of("lr", new String[] {"abc", "lr 'abc': not a number"}, "batch", new String[] {"1.5", "batch '1.5': not a number"},
                "optimizer", new String[] {"adamw", "optimizer 'adamw':"}, "dataset", new String[] {"cifar", "dataset 'cifar':"},
                "lr_schedule", new String[] {"linear", "lr_schedule 'linear':"}, "seed", new String[] {"x", "seed 'x': not a number"},
                "train_limit", new String[] {"-4", "train_limit -4: must be positive"}, "epochs", new String[] {"0", "epochs 0: must be positive"});
        for (var b : bad.entrySet()) {
            Map<String, String> s = new HashMap<>(good);
            s.put(b.getKey(), b.getValue()[0]);
            refused(b.getKey(), b.getValue()[1], () -> RunConfig.fromSettings(NET, s, null));
        }
        Map<String, String> s = new HashMap<>(good);
        s.remove("batch");
        refused("batch", "batch: missing among the settings", () -> RunConfig.fromSettings(NET, s, null));
    }

    /** RMSprop at the book's 0.01 blows up on the CNNs and stays at chance (RunConfig.defaultLr's measurements); elsewhere the book's rates hold. */
    @Test void rmspropDefaultsToATenthOnTheConvolutionalNetworks() {
        for (String net : NetworkSpec.NAMES) {
            for (UpdateRule.Kind k : UpdateRule.Kind.values()) {
                float expected = k == UpdateRule.Kind.RMSPROP && net.endsWith("-cnn") ? 0.001f : k.defaultLr;
                assertEquals(expected, RunConfig.defaultLr(k, NetworkSpec.of(net)), net + " " + k);
            }
        }
    }
}
