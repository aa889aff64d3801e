/*
 * sealed.h — the encrypted off-site backup of the history (docs/HISTORY.md,
 * docs/ROLES.md).
 *
 * `history push` never writes the history in readable form: a backup is a
 * directory holding, per push, one file of the git objects the previous
 * pushes lacked (a packfile), encrypted with libsodium's secretstream
 * (XChaCha20-Poly1305) under a fresh file key, and that key sealed
 * (crypto_box_seal) to the administrator's public key. Pushing needs only
 * the public key, which the store keeps (meta backup_pubkey); reading a
 * backup needs the secret key, which the administrator keeps off the PC.
 *
 *   DIR/OUTPOST-BACKUP            "outpost sealed history v1" + the
 *                                 recipient's public key (hex)
 *   DIR/NNNNNN-<commit>.sealed    push NNNNNN, up to <commit>
 *
 * A .sealed file: "OPSEAL1\n", the sealed file key (80 bytes), the
 * secretstream header (24), then chunks of a 4-byte big-endian length and
 * that many bytes of ciphertext; the last chunk carries the FINAL tag, so
 * a cut file is refused. The plaintext is the packfile.
 */
#ifndef OP_SEALED_H
#define OP_SEALED_H

#include "history.h"

/* Make an administrator's backup keypair: the secret key (hex, with the
 * public key after it) into a new file secret_path, mode 0600 (refused if
 * it exists); the public key's hex into pk_hex. 0, or -1 with e set. */
int op_sealed_keygen(const char *secret_path, char pk_hex[65], op_err *e);

/* Whether dir is a sealed backup (it has OUTPOST-BACKUP). */
int op_sealed_is_backup(const char *dir);

/* Push what dir lacks of h's refs/heads/main as one sealed file to the
 * public key pk_hex; dir is created when missing. res as op_history_push.
 * EX_DATAERR when dir is sealed to another key or holds another history. */
int op_sealed_push(op_history *h, const char *dir, const char *pk_hex,
		   struct op_history_pushed *res, op_err *e);

/* Open the sealed backup dir with the secret key in key_path (NULL: say
 * it is needed): every file is decrypted into a new bare repository at
 * to_repo (which must not exist) and main set to the last pushed commit.
 * 0, or -1 with e set (EX_NOPERM without the key or with the wrong one,
 * EX_DATAERR for a damaged file). */
int op_sealed_unpack(const char *dir, const char *key_path, const char *to_repo,
		     op_err *e);

#endif
