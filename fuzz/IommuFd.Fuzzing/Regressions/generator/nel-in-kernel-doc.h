/**
 * DOC: Fuzz
 *
 * The first word of that struct is its si…ze in bytes.
 */
