// SPDX-License-Identifier: GPL-2.0
/*
 * The hardening programs' tally (tests/hardening/contract.h): its rows
 * come from the errno contract's, so every ioctl the contract has rows
 * for is counted under the contract's name for it.
 */
#include <string.h>

#include "../hardening/contract.h"
#include "unit.h"

TEST(contract_rows, "contract: each ioctl of the contract has a tally row of its name")
{
	unsigned int ioctls = 0;

#define ROW_NAMED(q, ioctl, e, meaning)					\
	if (CONTRACT_IS_IOCTL(ISTRESS_ERRNO_CMD_##ioctl)) {		\
		int row = contract_index(ISTRESS_ERRNO_CMD_##ioctl);	\
									\
		ioctls++;						\
		EXPECT_TRUE(row >= 0 && row < CONTRACT_ROW_STATUS &&	\
			    !strcmp(contract_name(row), #ioctl));	\
	}
	ISTRESS_ERRNOS(ROW_NAMED, 0)
#undef ROW_NAMED
	EXPECT_TRUE(ioctls > 0);
	/* The two the tally once left out. */
	EXPECT_TRUE(!strcmp(contract_name(contract_index(IOMMU_STRESS_BATCH)), "BATCH"));
	EXPECT_TRUE(!strcmp(contract_name(contract_index(IOMMU_STRESS_BENCH)), "BENCH"));
	EXPECT_TRUE(!strcmp(contract_name(CONTRACT_ROW_STATUS), "DMA_STATUS"));
	EXPECT_TRUE(!strcmp(contract_name(CONTRACT_ROW_OPEN), "OPEN"));
	/* Not ours: past the last number, another type, another direction. */
	EXPECT_TRUE(contract_index(_IO(IOMMU_STRESS_TYPE, CONTRACT_NCMD)) == -1);
	EXPECT_TRUE(contract_index(_IO('x', 0)) == -1);
	EXPECT_TRUE(contract_index(_IOR(IOMMU_STRESS_TYPE, 0, int)) == -1);
	EXPECT_TRUE(!strcmp(contract_name(CONTRACT_ROWS), "?"));
}
