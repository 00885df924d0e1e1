/* test_supabase.c - Supabase answers and TUS metadata. */

#include <string.h>

#include "store.h"
#include "supabase.h"
#include "t.h"

struct classify_case {
	long http;
	const char *body;
	enum store_outcome outcome;
	long status;
	const char *code;
	const char *message;
};

static const struct classify_case classify_cases[] = {
	{ 200, "{\"Id\":\"5b7c\",\"Key\":\"datalake/bronze/new/x.json\"}",
	    STORE_STORED, 200, "", "" },
	{ 400,
	    "{\"statusCode\":\"409\",\"error\":\"Duplicate\",\"message\":\"The "
	    "resource already exists\",\"code\":\"ResourceAlreadyExists\"}",
	    STORE_DUPLICATE, 409, "ResourceAlreadyExists",
	    "The resource already exists" },
	{ 400,
	    "{\"statusCode\":\"404\",\"error\":\"Bucket not "
	    "found\",\"message\":\"Bucket not "
	    "found\",\"code\":\"NoSuchBucket\"}",
	    STORE_NO_BUCKET, 404, "NoSuchBucket", "Bucket not found" },
	/* Older servers send no code. */
	{ 400,
	    "{\"statusCode\":\"404\",\"error\":\"Bucket not "
	    "found\",\"message\":\"Bucket not found\"}",
	    STORE_NO_BUCKET, 404, "", "Bucket not found" },
	{ 400,
	    "{\"statusCode\":\"404\",\"error\":\"not_found\",\"message\":"
	    "\"Object not found\",\"code\":\"NoSuchKey\"}",
	    STORE_NOT_FOUND, 404, "NoSuchKey", "Object not found" },
	{ 400,
	    "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":"
	    "\"invalid signature\",\"code\":\"AccessDenied\"}",
	    STORE_DENIED, 403, "AccessDenied", "invalid signature" },
	{ 403,
	    "{\"statusCode\":\"403\",\"error\":\"Unauthorized\",\"message\":"
	    "\"new row violates row-level security policy\"}",
	    STORE_DENIED, 403, "",
	    "new row violates row-level security policy" },
	{ 400,
	    "{\"statusCode\":\"413\",\"error\":\"Payload too "
	    "large\",\"message\":\"The object exceeded the maximum allowed "
	    "size\",\"code\":\"EntityTooLarge\"}",
	    STORE_TOO_LARGE, 413, "EntityTooLarge",
	    "The object exceeded the maximum allowed size" },
	{ 400,
	    "{\"statusCode\":\"400\",\"error\":\"Invalid "
	    "Input\",\"message\":\"Invalid key: "
	    "bronze/#.json\",\"code\":\"InvalidKey\"}",
	    STORE_INVALID_KEY, 400, "InvalidKey",
	    "Invalid key: bronze/#.json" },
	{ 400,
	    "{\"statusCode\":\"400\",\"error\":\"Bad "
	    "Request\",\"message\":\"headers must have required property "
	    "'authorization'\"}",
	    STORE_DENIED, 400, "",
	    "headers must have required property 'authorization'" },
	{ 400,
	    "{\"statusCode\":\"400\",\"error\":\"Bad "
	    "Request\",\"message\":\"something else\"}",
	    STORE_REFUSED, 400, "", "something else" },
	/* A numeric statusCode is tolerated. */
	{ 400, "{\"statusCode\":409,\"error\":\"Duplicate\"}", STORE_DUPLICATE,
	    409, "", "Duplicate" },
	{ 400,
	    "{\"statusCode\":\"500\",\"error\":\"Internal\",\"message\":\"db "
	    "down\"}",
	    STORE_TRANSIENT, 500, "", "db down" },
	{ 400, "{\"statusCode\":\"544\",\"error\":\"DatabaseTimeout\"}",
	    STORE_TRANSIENT, 544, "", "DatabaseTimeout" },
	/* The gateway's answers carry no envelope. */
	{ 503, "<html>503 Service Unavailable</html>", STORE_TRANSIENT, 503, "",
	    "" },
	{ 502, "", STORE_TRANSIENT, 502, "", "" },
	{ 504, NULL, STORE_TRANSIENT, 504, "", "" },
	{ 429, "{\"message\":\"too many connections\"}", STORE_TRANSIENT, 429,
	    "", "too many connections" },
	{ 544, "", STORE_TRANSIENT, 544, "", "" },
	{ 500, "{\"statusCode\":\"500\",\"error\":\"internal\"}",
	    STORE_TRANSIENT, 500, "", "internal" },
	{ 401, "{\"message\":\"Invalid JWT\"}", STORE_DENIED, 401, "",
	    "Invalid JWT" },
	{ 404, "Not Found", STORE_NOT_FOUND, 404, "", "" },
	{ 413, "", STORE_TOO_LARGE, 413, "", "" },
	{ 409, "", STORE_DUPLICATE, 409, "", "" },
	/* An envelope never turns a success into an error. */
	{ 201, "{\"statusCode\":\"409\"}", STORE_STORED, 201, "", "" },
	/* Nor the other way round: only a 2xx means the object landed. */
	{ 400, "{\"statusCode\":\"200\",\"error\":\"x\"}", STORE_REFUSED, 400,
	    "", "x" },
	/* A bad statusCode falls back to the HTTP status. */
	{ 400, "{\"statusCode\":\"x\",\"error\":\"weird\"}", STORE_REFUSED, 400,
	    "", "weird" },
	{ 418, "[1,2]", STORE_REFUSED, 418, "", "" },
	/* Control bytes in a message are not passed on. */
	{ 400, "{\"statusCode\":\"400\",\"message\":\"a\\nb\\u00e9\"}",
	    STORE_REFUSED, 400, "", "a?b??" },
};

static void
test_classify(void)
{
	const struct classify_case *c;
	struct store_answer a;
	size_t i;

	for (i = 0; i < sizeof(classify_cases) / sizeof(*c); i++) {
		c = &classify_cases[i];
		supabase_classify(c->http, c->body,
		    c->body ? strlen(c->body) : 0, &a);
		T_INT(a.outcome, c->outcome);
		T_INT(a.status, c->status);
		T_STR(a.code, c->code);
		T_STR(a.message, c->message);
	}
}

static void
test_info_size(void)
{
	static const struct {
		const char *body;
		long long size;
	} cases[] = {
		{ "{\"id\":\"a\",\"name\":\"x.json\",\"size\":1234}", 1234 },
		{ "{\"name\":\"x\",\"metadata\":{\"size\":77,\"mimetype\":"
		  "\"application/json\"}}",
		    77 },
		{ "{\"metadata\":{\"contentLength\":5}}", 5 },
		{ "{\"size\":\"42\"}", 42 },
		{ "{\"size\":0}", 0 },
		{ "{\"size\":-3}", -1 },
		{ "{\"size\":null,\"metadata\":{\"size\":9}}", 9 },
		{ "{\"name\":\"x\"}", -1 },
		{ "[]", -1 },
		{ "not json", -1 },
		{ "", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_INT(supabase_info_size(cases[i].body, strlen(cases[i].body)),
		    cases[i].size);
}

static void
test_tus_metadata(void)
{
	struct buf b = BUF_INIT;

	T_INT(supabase_tus_metadata(&b, "datalake", "bronze/new/a b:c.json",
		  "application/json", NULL),
	    0);
	T_STR(b.data,
	    "bucketName ZGF0YWxha2U=,objectName "
	    "YnJvbnplL25ldy9hIGI6Yy5qc29u,contentType "
	    "YXBwbGljYXRpb24vanNvbg==");
	buf_free(&b);
	T_INT(supabase_tus_metadata(&b, "d", "k", "application/json",
		  "max-age=60"),
	    0);
	T_STR(b.data,
	    "bucketName ZA==,objectName aw==,contentType "
	    "YXBwbGljYXRpb24vanNvbg==,cacheControl bWF4LWFnZT02MA==");
	buf_free(&b);
}

int
main(void)
{
	test_classify();
	test_info_size();
	test_tus_metadata();
	return t_done();
}
