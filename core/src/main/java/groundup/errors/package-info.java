/**
 * What GroundUp throws for a bad input, for a library user and the command line alike. Each
 * message is one line that names the file or the setting, and the field:
 * <ul>
 * <li>{@link groundup.errors.InvalidFileException} (an IOException): a file's bytes are not
 *     what they must be (truncated, corrupt, a field out of range, NaN in a checkpoint, a data
 *     file other than the one a run trained on). The CLI exits 1.</li>
 * <li>{@link groundup.errors.FileAccessException} (an IOException): the file system refused
 *     (permission denied, no space left on device), or a run's folder is locked by another
 *     process. The CLI exits 1.</li>
 * <li>{@link groundup.errors.InvalidSettingException} (an IllegalArgumentException): a value the
 *     caller gave cannot work (RunConfig, NetworkSpec, TrainingRun's folder and batch). The CLI
 *     names the flag and exits 2.</li>
 * </ul>
 * Any other exception is a bug.
 */
package groundup.errors;
