/**
 * DOC: General fuzz ioctl format
 *
 * The ioctl interface follows a general format to allow for extensibility.
 * Each ioctl is passed a structure pointer as the argument.
 */

/**
 * enum fuzz_state - States
 * @FUZZ_STOPPED: not running
 * @FUZZ_RUNNING: running
 */
enum fuzz_state { FUZZ_STOPPED, FUZZ_RUNNING };

/**
 * struct fuzz_destroy - ioctl(FUZZ_DESTROY)
 * @size: sizeof(struct fuzz_destroy)
 * @id: object to destroy
 */
struct fuzz_destroy {
	__u32 size;
	__u32 id;
};
