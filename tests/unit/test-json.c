// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "unit.h"

/* Runs @emit against a memory stream and returns what it wrote. */
static char *capture(void (*emit)(struct json *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	emit(&j);
	fclose(f);
	return buf;
}

static void emit_escapes(struct json *j)
{
	json_object_begin(j, NULL);
	json_string(j, "s", "a\"b\\c\nd\te\x01");
	json_object_end(j);
}

static void strings_are_escaped(void)
{
	char *out = capture(emit_escapes);

	CHECK(!strcmp(out, "{\n  \"s\": \"a\\\"b\\\\c\\nd\\te\\u0001\"\n}\n"));
	free(out);
}

static void emit_nesting(struct json *j)
{
	json_object_begin(j, NULL);
	json_array_begin(j, "empty");
	json_array_end(j);
	json_array_begin(j, "list");
	json_u64(j, NULL, 1);
	json_object_begin(j, NULL);
	json_hex(j, "h", 0x40201000);
	json_bool(j, "b", 1);
	json_null(j, "n");
	json_object_end(j);
	json_array_end(j);
	json_double(j, "d", 1.25);
	json_object_end(j);
}

static void nesting_and_commas(void)
{
	char *out = capture(emit_nesting);
	const char *want =
		"{\n"
		"  \"empty\": [],\n"
		"  \"list\": [\n"
		"    1,\n"
		"    {\n"
		"      \"h\": \"0x40201000\",\n"
		"      \"b\": true,\n"
		"      \"n\": null\n"
		"    }\n"
		"  ],\n"
		"  \"d\": 1.2\n"
		"}\n";

	/* %.1f rounds 1.25 to even: 1.2. */
	CHECK(!strcmp(out, want));
	if (strcmp(out, want))
		printf("# got:\n%s", out);
	free(out);
}

static void emit_nan(struct json *j)
{
	json_object_begin(j, NULL);
	json_double(j, "x", 0.0 / 0.0);
	json_object_end(j);
}

static void non_finite_is_null(void)
{
	char *out = capture(emit_nan);

	CHECK(!strcmp(out, "{\n  \"x\": null\n}\n"));
	free(out);
}

/* A full record from a synthetic run, validated by tests/unit/json-check. */
int json_sample(FILE *f)
{
	static const struct run_opts o = {
		.size = 16 << 20, .iterations = 2, .samples = 8, .seed = 1,
		.skip_flush = 1,
	};
	static struct session s;
	static struct run_result r;

	s.opts = &o;
	s.info.abi_version = IOMMU_STRESS_ABI_VERSION;
	strcpy(s.info.module_version, "0.1.0");
	strcpy(s.info.kernel_release, "6.1.0-test \"quoted\"");
	strcpy(s.dom.target, "edu:0000:00:02.0");
	strcpy(s.dom.iommu_driver, "intel-iommu");
	strcpy(s.dom.iommu_name, "dmar0");
	s.dom.pgsize_bitmap = 0x40201000;
	s.dom.aperture_end = 0x7fffffffff;
	s.dom.out_flags = IOMMU_STRESS_DOMAIN_INTEL_CAPS;
	s.dom.intel_cap = 0xd2008c22260206;
	r.pattern = "longpeng";
	r.iterations = 2;
	r.dma_checks = 32;
	r.counts[SIG_OK] = 30;
	r.counts[SIG_STALE] = 2;
	r.nreported = 2;
	r.reported[0] = (struct corruption){
		.phase = "split", .iova = 0, .class = SIG_STALE,
		.expected = { 1, 1024, 1 }, .got = { 1, 512, 1 },
		.walk = WALK_OURS, .walk_buf = 1, .walk_page = 1024,
		.ns_since_start = 5000,
	};
	r.reported[1] = (struct corruption){
		.phase = "split", .iova = 0xa0000, .class = SIG_STALE,
		.expect_unmapped = 1, .got = { 1, 672, 1 },
		.ns_since_start = 6000,
	};
	lat_add(&r.map, 5000);
	lat_add(&r.unmap, 1500);
	lat_add(&r.dma, 200000000);
	r.elapsed_ns = 1000000;
	report_json_record(f, &s, &r);
	return 0;
}

const struct unit_case json_cases[] = {
	{ "json: strings are escaped", strings_are_escaped },
	{ "json: nesting and commas", nesting_and_commas },
	{ "json: non-finite numbers are null", non_finite_is_null },
	{ NULL, NULL },
};
