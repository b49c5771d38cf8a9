/* SPDX-License-Identifier: GPL-2.0 */
/* A streaming JSON writer: objects, arrays, escaped strings, numbers. */
#ifndef IOMMU_STRESS_JSON_H
#define IOMMU_STRESS_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	int count[JSON_MAX_DEPTH];	/* members written at each level */
};

/* @key is NULL inside arrays and for the top-level value. */
void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_int(struct json *j, const char *key, int64_t val);
void json_hex(struct json *j, const char *key, uint64_t val);
void json_double(struct json *j, const char *key, double val);
/* @val with @decimals digits after the point (json_double gives one). */
void json_fixed(struct json *j, const char *key, double val, int decimals);
void json_bool(struct json *j, const char *key, int val);
void json_null(struct json *j, const char *key);
/* An id, node or group number; null when negative (there is none). */
void json_index(struct json *j, const char *key, int64_t val);
/* null for NULL or "". */
void json_string_or_null(struct json *j, const char *key, const char *val);

#endif
