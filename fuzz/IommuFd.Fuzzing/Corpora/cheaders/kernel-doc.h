/**
 * DOC: General fuzz ioctl format
 *
 * Every fuzz ioctl takes one extensible argument struct.
 * The first word of that struct is its sinze in bytes.
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
