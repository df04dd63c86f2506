/*
 * session.c: the session of one request, a JSON object behind an id.
 *
 * A row of the store holds an envelope, not just the values:
 *	{"c": created, "t": last renewed, "k": CSRF token, "d": {values}}
 * "c" bounds the session's whole life (the row's expiry never goes past
 * c + lifetime), "t" keeps reads from writing: the idle timeout is renewed
 * only when the last renewal is SX_SESSION_RENEW_EVERY seconds old.
 *
 * Ids are 256 bits from libsodium's CSPRNG, sent as 64 hex digits. A
 * cookie that is anything else is ignored, as is an id the store does not
 * know: either way the request gets a fresh session, never an error, and
 * a new id is made only when something is stored.
 */
#include "session_internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void
sx_session_config_resolve(const sx_session_config *cfg, sx_session_config *out)
{
	static const sx_session_config none;

	*out = cfg != NULL ? *cfg : none;
	if (out->key == NULL)
		out->key = SX_SESSION_KEY_DEFAULT;
	if (out->table == NULL)
		out->table = SX_SESSION_TABLE_DEFAULT;
	if (out->cookie_name == NULL)
		out->cookie_name = SX_SESSION_COOKIE_DEFAULT;
	if (out->idle_timeout_s <= 0)
		out->idle_timeout_s = SX_SESSION_IDLE_DEFAULT;
	if (out->lifetime_s <= 0)
		out->lifetime_s = SX_SESSION_LIFETIME_DEFAULT;
	if (out->max_size == 0)
		out->max_size = SX_SESSION_MAX_SIZE_DEFAULT;
}

/* 32 random bytes as 64 hex digits into out. */
static void
random_hex(char out[SX_SESSION_ID_LEN + 1])
{
	unsigned char raw[SX_SESSION_ID_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, SX_SESSION_ID_LEN + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* True when s is exactly 64 lower-case hex digits. */
static bool
is_id(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < SX_SESSION_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s != NULL && s[i] == '\0';
}

sx_session *
sx_session_new(const sx_session_config *cfg, int64_t now)
{
	sx_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	sx_session_config_resolve(cfg, &s->cfg);
	if ((s->data = cJSON_CreateObject()) == NULL) {
		free(s);
		return NULL;
	}
	s->created = s->touched = now;
	return s;
}

void
sx_session_free(sx_session *s)
{
	if (s == NULL)
		return;
	cJSON_Delete(s->data);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

/* Takes the envelope's fields into s; false when it does not parse. */
static bool
take_envelope(sx_session *s, const char *text, size_t len)
{
	cJSON *env = cJSON_ParseWithLength(text, len), *d;
	const cJSON *c, *t, *k;

	if (env == NULL)
		return false;
	d = cJSON_DetachItemFromObjectCaseSensitive(env, "d");
	c = cJSON_GetObjectItemCaseSensitive(env, "c");
	t = cJSON_GetObjectItemCaseSensitive(env, "t");
	k = cJSON_GetObjectItemCaseSensitive(env, "k");
	if (!cJSON_IsObject(d) || !cJSON_IsNumber(c) || !cJSON_IsNumber(t) ||
	    (k != NULL && !(cJSON_IsString(k) && is_id(k->valuestring)))) {
		cJSON_Delete(d);
		cJSON_Delete(env);
		return false;
	}
	cJSON_Delete(s->data);
	s->data = d;
	s->created = (int64_t)c->valuedouble;
	s->touched = (int64_t)t->valuedouble;
	if (k != NULL)
		memcpy(s->csrf, k->valuestring, SX_SESSION_ID_LEN + 1);
	cJSON_Delete(env);
	return true;
}

/* Forgets what was loaded: no values, no token, no id, begun now. */
static void
start_over(sx_session *s, int64_t now)
{
	cJSON *empty = cJSON_CreateObject();

	if (empty != NULL) {
		cJSON_Delete(s->data);
		s->data = empty;
	}
	s->id[0] = s->csrf[0] = '\0';
	s->created = s->touched = now;
}

sx_session_err
sx_session_load(sx_session *s, const sx_session_store *st, sx_db_conn *c,
    const char *cookie, int64_t now)
{
	char *text = NULL;
	size_t len = 0;
	sx_session_err rc;

	if (!is_id(cookie))
		return SX_SESSION_OK;
	rc = sx_session_store_get(st, c, cookie, 0, &text, &len);
	if (rc == SX_SESSION_NOT_FOUND)
		return SX_SESSION_OK;
	if (rc != SX_SESSION_OK)
		return rc;
	if (take_envelope(s, text, len)) {
		memcpy(s->loaded_id, cookie, SX_SESSION_ID_LEN + 1);
		if (now - s->created >= s->cfg.lifetime_s)
			start_over(s, now);	/* the old row goes at the next save */
		else {
			memcpy(s->id, cookie, SX_SESSION_ID_LEN + 1);
			s->dirty = now - s->touched >= SX_SESSION_RENEW_EVERY;
		}
	}
	free(text);
	return SX_SESSION_OK;
}

bool
sx_session_pending(const sx_session *s)
{
	return s->dirty || s->destroyed || (s->loaded_id[0] != '\0' &&
	    strcmp(s->loaded_id, s->id) != 0);
}

/* The envelope as text (caller frees), or NULL. */
static char *
envelope_text(const sx_session *s, int64_t now)
{
	cJSON *env = cJSON_CreateObject();
	char *text = NULL;

	if (env != NULL && cJSON_AddNumberToObject(env, "c", (double)s->created) &&
	    cJSON_AddNumberToObject(env, "t", (double)now) &&
	    (s->csrf[0] == '\0' || cJSON_AddStringToObject(env, "k", s->csrf))) {
		cJSON_AddItemReferenceToObject(env, "d", s->data);
		text = cJSON_PrintUnformatted(env);
	}
	cJSON_Delete(env);	/* the reference leaves s->data alone */
	return text;
}

sx_session_err
sx_session_save(sx_session *s, const sx_session_store *st, sx_db_conn *c,
    int64_t now)
{
	int64_t left = s->created + s->cfg.lifetime_s - now;
	sx_session_err rc;
	char *text;

	if (s->loaded_id[0] != '\0' && strcmp(s->loaded_id, s->id) != 0 &&
	    (rc = sx_session_store_delete(st, c, s->loaded_id)) != SX_SESSION_OK)
		return rc;
	if (!s->dirty)
		return SX_SESSION_OK;
	if (left <= 0)		/* its lifetime is over: nothing more is kept */
		return SX_SESSION_OK;
	if (s->id[0] == '\0')
		random_hex(s->id);
	if ((text = envelope_text(s, now)) == NULL)
		return SX_SESSION_ERR_NOMEM;
	rc = sx_session_store_set(st, c, s->id, text, strlen(text),
	    left < s->cfg.idle_timeout_s ? left : s->cfg.idle_timeout_s);
	free(text);
	return rc;
}

const char *
sx_session_cookie_value(const sx_session *s, bool *expire)
{
	*expire = false;
	if (s->dirty && s->id[0] != '\0' && strcmp(s->id, s->loaded_id) != 0)
		return s->id;
	*expire = s->destroyed && s->id[0] == '\0';
	return NULL;
}

bool
sx_session_csrf_matches(const sx_session *s, const char *token)
{
	return s->csrf[0] != '\0' && token != NULL &&
	    strlen(token) == SX_SESSION_ID_LEN &&
	    sodium_memcmp(s->csrf, token, SX_SESSION_ID_LEN) == 0;
}

/* ---- The handler's calls ---------------------------------------------------- */

const cJSON *
sx_session_get(const sx_session *s, const char *name)
{
	return s != NULL && name != NULL ?
	    cJSON_GetObjectItemCaseSensitive(s->data, name) : NULL;
}

/* True when the values, serialised, fit the size bound. */
static bool
fits(const sx_session *s)
{
	char *text = cJSON_PrintUnformatted(s->data);
	bool ok = text != NULL && strlen(text) <= s->cfg.max_size;

	free(text);
	return ok;
}

sx_session_err
sx_session_set(sx_session *s, const char *name, cJSON *value)
{
	cJSON *old;

	if (s == NULL || name == NULL || value == NULL) {
		cJSON_Delete(value);
		return s == NULL ? SX_SESSION_ERR_STATE : SX_SESSION_ERR_NOMEM;
	}
	old = cJSON_DetachItemFromObjectCaseSensitive(s->data, name);
	if (!cJSON_AddItemToObject(s->data, name, value)) {
		cJSON_Delete(value);
		if (old != NULL)
			cJSON_AddItemToObject(s->data, name, old);
		return SX_SESSION_ERR_NOMEM;
	}
	if (!fits(s)) {
		cJSON_DeleteItemFromObjectCaseSensitive(s->data, name);
		if (old != NULL)
			cJSON_AddItemToObject(s->data, name, old);
		return SX_SESSION_ERR_TOO_LARGE;
	}
	cJSON_Delete(old);
	s->dirty = true;
	return SX_SESSION_OK;
}

void
sx_session_remove(sx_session *s, const char *name)
{
	if (s != NULL && name != NULL &&
	    cJSON_GetObjectItemCaseSensitive(s->data, name) != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(s->data, name);
		s->dirty = true;
	}
}

void
sx_session_clear(sx_session *s)
{
	cJSON *empty;

	if (s == NULL || cJSON_GetArraySize(s->data) == 0 ||
	    (empty = cJSON_CreateObject()) == NULL)
		return;
	cJSON_Delete(s->data);
	s->data = empty;
	s->dirty = true;
}

sx_session_err
sx_session_rotate(sx_session *s)
{
	if (s == NULL)
		return SX_SESSION_ERR_STATE;
	random_hex(s->id);
	s->dirty = true;
	s->destroyed = false;
	return SX_SESSION_OK;
}

void
sx_session_destroy(sx_session *s)
{
	if (s == NULL)
		return;
	sx_session_clear(s);
	s->id[0] = '\0';
	s->csrf[0] = '\0';
	s->dirty = false;
	s->destroyed = true;
}

const char *
sx_session_csrf_token(sx_session *s)
{
	if (s == NULL)
		return NULL;
	if (s->csrf[0] == '\0') {
		random_hex(s->csrf);
		s->dirty = true;
	}
	return s->csrf;
}
