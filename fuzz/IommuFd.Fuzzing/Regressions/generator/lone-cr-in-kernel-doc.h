/**
 * DOC: Fuzz
 *
 * Each ioctl is passed a structure poiter as the argument.
 */
