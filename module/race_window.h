/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test builds only (ISTRESS_UNSAFE_TESTS): named points where an ioctl
 * sleeps for unsafe_race_<name>_ms, so that a test on a single-CPU guest
 * can run another call inside a window that is otherwise nanoseconds wide
 * (tests/hardening/races.c). In every other build a window is nothing.
 *
 * ISTRESS_RACE_WINDOW(name) defines the parameter and race_window_name();
 * call that where the window is. Zero (the default) means no sleep.
 */
#ifndef ISTRESS_RACE_WINDOW_H
#define ISTRESS_RACE_WINDOW_H

#ifdef ISTRESS_UNSAFE_TESTS
#include <linux/delay.h>
#include <linux/moduleparam.h>

#define ISTRESS_RACE_WINDOW(name)					\
	static unsigned int unsafe_race_##name##_ms;			\
	module_param(unsafe_race_##name##_ms, uint, 0644);		\
	MODULE_PARM_DESC(unsafe_race_##name##_ms,			\
			 "TEST BUILD: sleep this long at the " #name " race window"); \
	static void race_window_##name(void)				\
	{								\
		unsigned int ms = READ_ONCE(unsafe_race_##name##_ms);	\
									\
		if (ms)							\
			msleep(ms);					\
	}
#else
#define ISTRESS_RACE_WINDOW(name)					\
	static inline void race_window_##name(void) {}
#endif

#endif /* ISTRESS_RACE_WINDOW_H */
