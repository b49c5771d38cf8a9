// SPDX-License-Identifier: GPL-2.0
/*
 * edu_hw.c again, as an object of istress_edu_dma.ko: Kbuild warns when
 * one object is linked into two modules.
 */
#include "edu_hw.c"
