/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "basic/json-util.h"
#include "measure/iperf3-json.h"

static int fail(char **ret_error, int r, const char *msg)
{
	if (ret_error)
		*ret_error = strdup(msg);
	return r;
}

static bool number(json_object *o, const char *key, double *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*ret = json_object_get_double(v);
	return isfinite(*ret) && *ret >= 0;
}

int iperf3_json_parse(const char *text, size_t len, bool udp, double *ret_bps, double *ret_lost_pct,
		      char **ret_error)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *end, *sum, *err;
	double bps, lost = 0;
	bool sender_sum = false;
	int r = json_parse_text(text, len, IPERF3_JSON_MAX, &root, ret_error);

	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return fail(ret_error, -EBADMSG, "not an iperf3 -J document");
	/* iperf3 reports its own failures in the document, not on stderr. */
	if (json_object_object_get_ex(root, "error", &err) && json_object_is_type(err, json_type_string))
		return fail(ret_error, -EREMOTEIO, json_object_get_string(err));
	if (!json_object_object_get_ex(root, "end", &end) || !json_object_is_type(end, json_type_object))
		return fail(ret_error, -EBADMSG, "no \"end\" in iperf3's output");
	if (!json_object_object_get_ex(end, "sum_received", &sum) &&
	    !(udp && (sender_sum = json_object_object_get_ex(end, "sum", &sum))))
		return fail(ret_error, -EBADMSG, "no \"end\".\"sum_received\" in iperf3's output");
	if (!json_object_is_type(sum, json_type_object) || !number(sum, "bits_per_second", &bps))
		return fail(ret_error, -EBADMSG, "no bits_per_second in iperf3's output");
	if (udp && json_object_object_get_ex(sum, "lost_percent", NULL) && !number(sum, "lost_percent", &lost))
		return fail(ret_error, -EBADMSG, "lost_percent in iperf3's output is not a number");
	if (lost > 100)
		return fail(ret_error, -EBADMSG, "lost_percent in iperf3's output is over 100");
	if (sender_sum)
		bps *= 1 - lost / 100;
	*ret_bps = bps;
	*ret_lost_pct = lost;
	return 0;
}
