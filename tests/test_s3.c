/* test_s3.c - S3 targets, URLs, XML errors, parts and SHA-256. */

#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "sha256.h"
#include "t.h"

static void
test_sha256(void)
{
	static const char *const cases[][2] = {
		{ "",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b78"
		    "52b855" },
		{ "abc",
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
		    "0015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419"
		    "db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijk"
		  "lmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037a"
		    "fee9d1" },
		{ "hello",
		    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e7304336293"
		    "8b9824" },
	};
	struct sha256 c;
	unsigned char d[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_LEN + 1], *million;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sha256_hex(cases[i][0], strlen(cases[i][0]), hex);
		T_STR(hex, cases[i][1]);
	}
	/* One million 'a', fed in uneven pieces across block edges. */
	million = malloc(1000000);
	T_OK(million != NULL);
	if (million == NULL)
		return;
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	T_STR(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	sha256_init(&c);
	for (i = 0; i < 1000000; i += 777)
		sha256_update(&c, million + i,
		    1000000 - i < 777 ? 1000000 - i : 777);
	sha256_final(&c, d);
	T_INT(d[0], 0xcd);
	T_INT(d[31], 0xd0);
	/* 55, 56 and 64 bytes: the padding edge cases. */
	sha256_hex(million, 55, hex);
	T_STR(hex,
	    "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	sha256_hex(million, 56, hex);
	T_STR(hex,
	    "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	sha256_hex(million, 64, hex);
	T_STR(hex,
	    "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	free(million);
}

static void
base_config(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bucket = "datalake";
	cfg->s3_region = "eu-west-3";
}

static void
test_target(void)
{
	struct config cfg;
	struct s3_target t;
	struct err err;

	base_config(&cfg);
	cfg.project_url = "s3://lake-bucket/team/raw/";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_OK);
	T_STR(t.bucket, "lake-bucket");
	T_STR(t.root, "team/raw");
	T_STR(t.endpoint, "https://s3.eu-west-3.amazonaws.com");
	T_STR(t.region, "eu-west-3");
	T_INT(t.path_style, 0);

	cfg.project_url = "s3://lake-bucket";
	cfg.s3_endpoint = "http://127.0.0.1:9000/";
	cfg.s3_path_style = true;
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_OK);
	T_STR(t.root, "");
	T_STR(t.endpoint, "http://127.0.0.1:9000");
	T_INT(t.path_style, 1);

	/* storage.kind s3 with a Supabase project URL: its S3 face. */
	base_config(&cfg);
	cfg.storage_kind = STORAGE_S3;
	cfg.project_url = "https://abc.supabase.co/";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_OK);
	T_STR(t.bucket, "datalake");
	T_STR(t.endpoint, "https://abc.supabase.co/storage/v1/s3");
	T_INT(t.path_style, 1);
	cfg.project_url = "http://127.0.0.1:54321/storage/v1";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_OK);
	T_STR(t.endpoint, "http://127.0.0.1:54321/storage/v1/s3");
	cfg.project_url = "http://127.0.0.1:54321/storage/v1/s3";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_OK);
	T_STR(t.endpoint, "http://127.0.0.1:54321/storage/v1/s3");

	/* No URL, no endpoint: AWS, region from the settings. */
	base_config(&cfg);
	cfg.storage_kind = STORAGE_S3;
	cfg.s3_region = NULL;
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_OK);
	T_STR(t.endpoint, "https://s3.us-east-1.amazonaws.com");

	base_config(&cfg);
	cfg.project_url = "s3://Bad_Bucket/x";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase.url \"s3://Bad_Bucket/x\": \"Bad_Bucket\" is not an S3 "
	    "bucket name (3 to 63 of a-z, 0-9, '.', '-')");
	cfg.project_url = "s3://ok-bucket/a/../b";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_CONFIG);
	cfg.project_url = "s3://ok-bucket/a?x=1";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase.url \"s3://ok-bucket/a?x=1\": an s3:// URL takes no "
	    "query or fragment");
	cfg.project_url = "s3://";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_CONFIG);
	base_config(&cfg);
	cfg.bucket = "x";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_CONFIG);
	T_STR(err.msg,
	    "supabase.bucketName \"x\" is not an S3 bucket name (3 to 63 of "
	    "a-z, 0-9, '.', '-')");
	base_config(&cfg);
	cfg.s3_endpoint = "ftp://example.com";
	T_INT(s3_target_resolve(&cfg, &t, &err), ST_CONFIG);
}

static void
test_object_url(void)
{
	struct s3_target t;
	struct buf b = BUF_INIT;

	memset(&t, 0, sizeof(t));
	strcpy(t.bucket, "datalake");
	strcpy(t.endpoint, "http://127.0.0.1:9000");
	t.path_style = true;
	T_INT(s3_object_url(&b, &t, "bronze/new/2026-12-03T13:00:00_u v.json"),
	    0);
	T_STR(b.data,
	    "http://127.0.0.1:9000/datalake/bronze/new/"
	    "2026-12-03T13%3A00%3A00_u%20v.json");
	buf_truncate(&b, 0);
	strcpy(t.endpoint, "https://s3.eu-west-3.amazonaws.com");
	t.path_style = false;
	T_INT(s3_object_url(&b, &t, "a+b/c~d.json"), 0);
	T_STR(b.data,
	    "https://datalake.s3.eu-west-3.amazonaws.com/a%2Bb/c~d.json");
	buf_free(&b);
}

static void
test_xml_text(void)
{
	static const char body[] =
	    "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</"
	    "Code><Message>The request signature &amp; &lt;yours&gt; "
	    "&quot;differ&quot; &apos;x&apos; "
	    "&#38;</Message><Key>a\tb</Key><Empty></Empty></Error>";
	char out[128], tiny[5];

	T_INT(s3_xml_text(body, strlen(body), "Code", out, sizeof(out)), 0);
	T_STR(out, "SignatureDoesNotMatch");
	T_INT(s3_xml_text(body, strlen(body), "Message", out, sizeof(out)), 0);
	T_STR(out, "The request signature & <yours> \"differ\" 'x' &#38;");
	T_INT(s3_xml_text(body, strlen(body), "Key", out, sizeof(out)), 0);
	T_STR(out, "a?b");
	T_INT(s3_xml_text(body, strlen(body), "Empty", out, sizeof(out)), 0);
	T_STR(out, "");
	T_INT(s3_xml_text(body, strlen(body), "Missing", out, sizeof(out)), -1);
	T_INT(s3_xml_text(body, strlen(body), "Code", tiny, sizeof(tiny)), 0);
	T_STR(tiny, "Sign");
	/* Unterminated, and bounded by len rather than by a NUL. */
	T_INT(s3_xml_text("<Code>abc", 9, "Code", out, sizeof(out)), -1);
	T_INT(s3_xml_text("<Code>abc</Code>", 12, "Code", out, sizeof(out)),
	    -1);
	T_INT(s3_xml_text(NULL, 0, "Code", out, sizeof(out)), -1);
}

#define XERR(code, msg) \
	"<?xml version=\"1.0\"?><Error><Code>" code "</Code><Message>" msg \
	"</Message></Error>"

static void
test_classify(void)
{
	static const struct {
		long http;
		const char *body;
		enum store_outcome outcome;
		const char *code;
		const char *message;
	} cases[] = {
		{ 200, "", STORE_STORED, "", "" },
		{ 200,
		    "<CompleteMultipartUploadResult><ETag>x</ETag></"
		    "CompleteMultipartUploadResult>",
		    STORE_STORED, "", "" },
		/* A completion that failed after its 200. */
		{ 200,
		    XERR("InternalError", "We encountered an internal error."),
		    STORE_TRANSIENT, "InternalError",
		    "We encountered an internal error." },
		{ 200, XERR("Weird", "w"), STORE_REFUSED, "Weird", "w" },
		{ 412,
		    XERR("PreconditionFailed",
			"At least one of the pre-conditions you specified did "
			"not hold"),
		    STORE_DUPLICATE, "PreconditionFailed",
		    "At least one of the pre-conditions you specified did not "
		    "hold" },
		{ 412, "", STORE_DUPLICATE, "", "" },
		{ 404,
		    XERR("NoSuchBucket", "The specified bucket does not exist"),
		    STORE_NO_BUCKET, "NoSuchBucket",
		    "The specified bucket does not exist" },
		{ 404, XERR("NoSuchKey", "The specified key does not exist."),
		    STORE_NOT_FOUND, "NoSuchKey",
		    "The specified key does not exist." },
		{ 404, XERR("NoSuchUpload", "gone"), STORE_NOT_FOUND,
		    "NoSuchUpload", "gone" },
		{ 404, "", STORE_NOT_FOUND, "", "" },
		{ 403,
		    XERR("SignatureDoesNotMatch",
			"The request signature we calculated does not match"),
		    STORE_DENIED, "SignatureDoesNotMatch",
		    "The request signature we calculated does not match" },
		{ 403, XERR("InvalidAccessKeyId", "nope"), STORE_DENIED,
		    "InvalidAccessKeyId", "nope" },
		{ 400, XERR("ExpiredToken", "old"), STORE_DENIED,
		    "ExpiredToken", "old" },
		{ 400, XERR("AuthorizationHeaderMalformed", "region"),
		    STORE_DENIED, "AuthorizationHeaderMalformed", "region" },
		{ 403, "", STORE_DENIED, "", "" },
		{ 401, "", STORE_DENIED, "", "" },
		{ 400, XERR("EntityTooLarge", "big"), STORE_TOO_LARGE,
		    "EntityTooLarge", "big" },
		{ 413, XERR("EntityTooLarge", "big"), STORE_TOO_LARGE,
		    "EntityTooLarge", "big" },
		{ 413, "", STORE_TOO_LARGE, "", "" },
		{ 400, XERR("KeyTooLongError", "long"), STORE_INVALID_KEY,
		    "KeyTooLongError", "long" },
		{ 400, XERR("InvalidKey", "bad"), STORE_INVALID_KEY,
		    "InvalidKey", "bad" },
		{ 503, XERR("SlowDown", "Please reduce your request rate."),
		    STORE_TRANSIENT, "SlowDown",
		    "Please reduce your request rate." },
		{ 400, XERR("RequestTimeout", "idle"), STORE_TRANSIENT,
		    "RequestTimeout", "idle" },
		{ 409, XERR("ConditionalRequestConflict", "race"),
		    STORE_TRANSIENT, "ConditionalRequestConflict", "race" },
		{ 500, "", STORE_TRANSIENT, "", "" },
		{ 502, "<html>bad gateway</html>", STORE_TRANSIENT, "", "" },
		{ 429, "", STORE_TRANSIENT, "", "" },
		{ 400, XERR("InvalidArgument", "no"), STORE_REFUSED,
		    "InvalidArgument", "no" },
		{ 409, "", STORE_REFUSED, "", "" },
	};
	struct store_answer a;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s3_classify(cases[i].http, cases[i].body, strlen(cases[i].body),
		    &a);
		T_INT(a.outcome, cases[i].outcome);
		T_INT(a.status, cases[i].http);
		T_STR(a.code, cases[i].code);
		T_STR(a.message, cases[i].message);
	}
	s3_classify(404, NULL, 0, &a);
	T_INT(a.outcome, STORE_NOT_FOUND);
}

static void
test_parts(void)
{
	char *etags[] = { "\"a1\"", "\"b2\"" };
	struct buf b = BUF_INIT;

	T_INT(s3_part_size(1), S3_PART_SIZE);
	T_INT(s3_part_size((size_t)S3_PART_SIZE * S3_MAX_PARTS), S3_PART_SIZE);
	T_INT(s3_part_size((size_t)S3_PART_SIZE * S3_MAX_PARTS + 1),
	    2 * S3_PART_SIZE);
	T_INT(s3_complete_body(&b, etags, 2), 0);
	T_STR(b.data,
	    "<CompleteMultipartUpload><Part><PartNumber>1</"
	    "PartNumber><ETag>\"a1\"</ETag></Part><Part><PartNumber>2</"
	    "PartNumber><ETag>\"b2\"</ETag></Part></CompleteMultipartUpload>");
	buf_free(&b);
}

int
main(void)
{
	test_sha256();
	test_target();
	test_object_url();
	test_xml_text();
	test_classify();
	test_parts();
	return t_done();
}
