/*
 * protocol.h — the Outpost sync protocol: version and message codes.
 *
 * Codes are never renumbered; a new message gets the next free number and
 * an old one is retired, not reused. Every frame is described in
 * docs/PROTOCOL.md. A message is a ZeroMQ multipart message of two frames
 * (after the ROUTER's identity frame on HQ's side):
 *
 *   frame 1  header, 4 bytes: 'O' 'P' version code
 *   frame 2  body, encoded as in wire.h for that code
 */
#ifndef OP_PROTOCOL_H
#define OP_PROTOCOL_H

#define OP_PROTO_VERSION 3	/* 2: HELLO/WELCOME carry incarnations;
				 * 3: a change's col follows its staff */

enum op_msg_code {
	OP_MSG_HELLO   = 1,	/* branch -> HQ: who I am, what I have */
	OP_MSG_WELCOME = 2,	/* HQ -> branch: accepted, where to resume */
	OP_MSG_BATCH   = 3,	/* either way: compressed changes */
	OP_MSG_ACK     = 4,	/* either way: batch durably committed */
	OP_MSG_PING    = 5,	/* heartbeat */
	OP_MSG_PONG    = 6,
	OP_MSG_ERROR   = 7,	/* refusal or failure, with a reason */
	OP_MSG_BYE     = 8,	/* orderly goodbye */
};

/* Error codes carried by OP_MSG_ERROR (never renumbered). */
enum op_proto_err {
	OP_PERR_MALFORMED = 1,	/* frame could not be decoded */
	OP_PERR_TOO_BIG   = 2,	/* frame or inflated batch over the cap */
	OP_PERR_VERSION   = 3,	/* protocol version not spoken */
	OP_PERR_SCHEMA    = 4,	/* schema versions cannot sync */
	OP_PERR_NOT_READY = 5,	/* BATCH before HELLO/WELCOME */
	OP_PERR_INTERNAL  = 6,	/* receiver failed (disk full...); resend later */
	OP_PERR_REFUSED   = 7,	/* identity not allowed */
	OP_PERR_UNKNOWN   = 8,	/* unknown message code */
	OP_PERR_CLOCK     = 9,	/* change stamped too far in the future */
};

#endif
