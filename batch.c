/*
 * batch.c - splices responses into one batch.
 */

#include <string.h>

#include "batch.h"
#include "json.h"
#include "log.h"

static const char *const enrichment_fields[] = {
	ENRICH_USER_FIELD, ENRICH_SHOP_FIELD
};

int
batch_init(struct batch *b, enum batch_format format,
    const struct user_pool *users, uint64_t shops, uint64_t seed,
    struct err *err)
{
	memset(b, 0, sizeof(*b));
	b->format = format;
	b->users = users;
	b->shops = shops;
	b->seed = seed;
	if (format == FORMAT_ARRAY && buf_append(&b->data, "[", 1) != 0)
		return err_set(err, ST_TEMPFAIL, "out of memory");
	return ST_OK;
}

int
batch_add_response(void *arg, size_t index, const char *body, size_t len,
    struct err *err)
{
	struct batch *b = arg;
	struct enricher enricher;
	struct json_error jerr;
	struct splice sp;
	size_t before = b->records;
	char excerpt[64];

	enricher_begin(&enricher, b->users, b->shops, b->seed, index);
	sp.drop = enrichment_fields;
	sp.ndrop = sizeof(enrichment_fields) / sizeof(enrichment_fields[0]);
	sp.enrich = enricher_append;
	sp.arg = &enricher;
	sp.separator = b->format == FORMAT_ARRAY ? "," : "\n";

	switch (json_splice(&sp, body, len, &b->data, &b->records, &jerr)) {
	case SPLICE_OK:
		break;
	case SPLICE_NOMEM:
		return err_set(err, ST_TEMPFAIL, "out of memory");
	default:
		json_excerpt(body, len, jerr.offset, excerpt, sizeof(excerpt));
		return err_set(err, ST_DATA, "invalid JSON at byte %zu: %s "
		    "(near \"%s\")", jerr.offset, jerr.reason, excerpt);
	}
	b->responses++;
	if (b->records == before)
		log_warning("response %zu: no records (an empty array)",
		    index + 1);
	return ST_OK;
}

int
batch_finish(struct batch *b, struct err *err)
{
	const char *end = b->format == FORMAT_ARRAY ? "]" : "\n";

	/* An empty NDJSON batch is an empty file, not a blank line. */
	if (b->format == FORMAT_NDJSON && b->records == 0)
		return ST_OK;
	if (buf_puts(&b->data, end) != 0)
		return err_set(err, ST_TEMPFAIL, "out of memory");
	return ST_OK;
}

void
batch_free(struct batch *b)
{
	buf_free(&b->data);
}

const char *
batch_content_type(enum batch_format format)
{
	return format == FORMAT_NDJSON ? "application/x-ndjson" :
	    "application/json";
}

const char *
batch_key_suffix(enum batch_format format)
{
	return format == FORMAT_NDJSON ? ".jsonl" : ".json";
}
