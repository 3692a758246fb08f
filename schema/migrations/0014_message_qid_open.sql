-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 14: message_qid indexes open messages only (issue 14,
-- perf15). Its one reader is the writer's lookup of an open message by
-- queue id ("message find", schema/message.c: WHERE ... m.final = 0,
-- INDEXED BY message_qid), when an evicted message's queue id comes back;
-- the commands' message queries test the queue id inside an OR of
-- optional filters, which no index serves. Every message row written
-- final (nearly all) paid an entry in a B-tree keyed by a random text:
-- about 2,900 instructions a message on the import's writer thread.
-- Open messages (final = 0) keep their entries, so the lookup is as
-- before; a message made final leaves the index.

DROP INDEX message_qid;
CREATE INDEX message_qid ON message (queue_id) WHERE final = 0;
