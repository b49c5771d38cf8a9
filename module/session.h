/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ISTRESS_SESSION_H
#define ISTRESS_SESSION_H

#include <linux/fs.h>

extern const struct file_operations istress_fops;

#endif /* ISTRESS_SESSION_H */
