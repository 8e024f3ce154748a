/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_MOUNTINFO_H
#define PANTAU_MOUNTINFO_H

/* Decode mountinfo's \ooo escapes (space, tab, newline, backslash) in place. */
void mountinfo_unescape(char *s);

#endif
