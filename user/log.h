/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_LOG_H
#define PANTAU_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Returns 0, or -EINVAL when name is not error|warn|info|debug. */
int log_set_level_name(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pt_err(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define pt_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pt_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pt_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
