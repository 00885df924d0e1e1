/*
 * batch.c - splices responses into one batch.
 */

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "json.h"
#include "log.h"

static const char *const enrichment_fields[] = {
	ENRICH_USER_FIELD,
	ENRICH_SHOP_FIELD,
};

int
batch_init(struct batch *b, size_t responses, enum batch_format format,
    const struct user_pool *users, uint64_t shops, uint64_t seed,
    struct err *err)
{
	memset(b, 0, sizeof(*b));
	b->format = format;
	b->users = users;
	b->shops = shops;
	b->seed = seed;
	b->nparts = responses;
	if ((b->parts = calloc(responses ? responses : 1, sizeof(*b->parts))) ==
		NULL ||
	    (format == FORMAT_ARRAY && buf_append(&b->data, "[", 1) != 0))
		return err_set(err, ST_TEMPFAIL, "out of memory");
	return ST_OK;
}

static const char *
separator(const struct batch *b)
{
	return b->format == FORMAT_ARRAY ? "," : "\n";
}

/* Appends a part spliced ahead of its turn to the batch. */
static int
append_part(struct batch *b, struct batch_part *part)
{
	int rc = 0;

	if (part->records > 0) {
		if (b->records > 0)
			rc = buf_puts(&b->data, separator(b));
		if (rc == 0)
			rc = buf_append(&b->data, part->data.data,
			    part->data.len);
		b->records += part->records;
	}
	buf_free(&part->data);
	return rc;
}

/* Moves the parts whose turn has come into the batch. */
static int
append_ready_parts(struct batch *b)
{
	while (b->next < b->nparts && b->parts[b->next].arrived)
		if (append_part(b, &b->parts[b->next++]) != 0)
			return -1;
	return 0;
}

int
batch_add_response(void *arg, size_t index, const char *body, size_t len,
    struct err *err)
{
	struct batch *b = arg;
	struct enricher enricher;
	struct json_error jerr;
	struct splice sp;
	struct buf *out = &b->data;
	size_t *records = &b->records, before;
	char excerpt[64];

	if (index >= b->nparts || b->parts[index].arrived)
		return err_set(err, ST_DATA,
		    "response %zu delivered twice or out of range", index + 1);
	if (index != b->next) {
		out = &b->parts[index].data;
		records = &b->parts[index].records;
	}
	before = *records;
	enricher_begin(&enricher, b->users, b->shops, b->seed, index);
	sp.drop = enrichment_fields;
	sp.ndrop = sizeof(enrichment_fields) / sizeof(enrichment_fields[0]);
	sp.enrich = enricher_append;
	sp.arg = &enricher;
	sp.separator = separator(b);

	switch (json_splice(&sp, body, len, out, records, &jerr)) {
	case SPLICE_OK:
		break;
	case SPLICE_NOMEM:
		return err_set(err, ST_TEMPFAIL, "out of memory");
	default:
		json_excerpt(body, len, jerr.offset, excerpt, sizeof(excerpt));
		return err_set(err, ST_DATA,
		    "invalid JSON at byte %zu: %s (near \"%s\")", jerr.offset,
		    jerr.reason, excerpt);
	}
	b->responses++;
	if (*records == before)
		log_warning("response %zu: no records (an empty array)",
		    index + 1);
	b->parts[index].arrived = 1;
	if (index == b->next) {
		b->next++;
		if (append_ready_parts(b) != 0)
			return err_set(err, ST_TEMPFAIL, "out of memory");
	}
	return ST_OK;
}

int
batch_finish(struct batch *b, struct err *err)
{
	const char *end = b->format == FORMAT_ARRAY ? "]" : "\n";
	size_t i;

	/* Responses that never arrived leave gaps; the rest land in order. */
	for (i = b->next; i < b->nparts; i++)
		if (b->parts[i].arrived && append_part(b, &b->parts[i]) != 0)
			return err_set(err, ST_TEMPFAIL, "out of memory");
	b->next = b->nparts;

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
	size_t i;

	for (i = 0; b->parts != NULL && i < b->nparts; i++)
		buf_free(&b->parts[i].data);
	free(b->parts);
	b->parts = NULL;
	buf_free(&b->data);
}

const char *
batch_content_type(enum batch_format format)
{
	return format == FORMAT_NDJSON ?
	    "application/x-ndjson" :
	    "application/json";
}

const char *
batch_key_suffix(enum batch_format format)
{
	return format == FORMAT_NDJSON ? ".jsonl" : ".json";
}
