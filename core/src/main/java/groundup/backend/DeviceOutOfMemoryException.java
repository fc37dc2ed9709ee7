package groundup.backend;

/** A device allocation failed: the message names the bytes asked for and the bytes free. The device stays usable. */
public class DeviceOutOfMemoryException extends RuntimeException {
    private final long requested, free;

    public DeviceOutOfMemoryException(String device, long requested, long free, long total) {
        super(String.format("%s: out of memory allocating %,d bytes (%,d of %,d bytes free)", device, requested, free, total));
        this.requested = requested;
        this.free = free;
    }

    public long requested() { return requested; }

    public long free() { return free; }
}
