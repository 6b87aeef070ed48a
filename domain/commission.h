/* CCAPEX commissions and CLILs: levels, the session's status, the agenda's
 * freeze, the opinion's decisions and the recommendations' reports. Pure C.
 *
 * A session is planned, then in_session (the agenda is frozen, opinions are
 * recorded), then closed. Its agenda changes only while it is planned.
 *
 * A recommendation is pending, then accepted, done or declined by its
 * addressee; accepted may still become done or declined; done and declined
 * are final. Declining needs a comment.
 */
#ifndef DOMAIN_COMMISSION_H
#define DOMAIN_COMMISSION_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"

#define COMMISSION_TEXT_BYTES 801       /* 200 characters of UTF-8 */
#define OPINION_SUMMARY_BYTES 16001     /* 4000 characters */
#define RECOMMENDATION_TEXT_BYTES 8001  /* 2000 characters */
#define COMMISSION_MAX_MEMBERS 50
#define OPINION_MAX_RECOMMENDATIONS 20

/* operational, doctrinal, strategic: the CCAPEX's sessions as organised
 * before décret 2026-83, still valid; clil: a CLIL's session; central: the
 * central CCAPEX of décret 2026-83, for the whole département (no
 * territory); local: a local CCAPEX of the décret, for a territory of it
 * (communes or EPCIs). */
enum commission_level {
	COMMISSION_OPERATIONAL,
	COMMISSION_DOCTRINAL,
	COMMISSION_STRATEGIC,
	COMMISSION_CLIL,
	COMMISSION_CENTRAL,
	COMMISSION_LOCAL,
	COMMISSION_LEVEL__COUNT
};

enum commission_status {
	COMMISSION_PLANNED,
	COMMISSION_IN_SESSION,
	COMMISSION_CLOSED,
	COMMISSION_STATUS__COUNT
};

enum opinion_decision {
	DECISION_KEEP_WITH_PAYMENT_PLAN,  /* maintien dans les lieux, plan d'apurement */
	DECISION_FSL_AID,
	DECISION_MASP,
	DECISION_AVDL_SUPPORT,
	DECISION_REHOUSING,
	DECISION_TEMPORARY_HOUSING,
	DECISION_CFP_DEFERRAL_ADVICE,     /* avis sur le report du concours de la force publique */
	DECISION_HOUSING_BENEFIT_KEPT,    /* from 1 January 2027 (décret 2026-84) */
	DECISION_HOUSING_BENEFIT_SUSPENDED,
	DECISION__COUNT
};

enum recommendation_status {
	RECOMMENDATION_PENDING,
	RECOMMENDATION_ACCEPTED,
	RECOMMENDATION_DONE,
	RECOMMENDATION_DECLINED,
	RECOMMENDATION_WITHDRAWN,  /* dropped when its opinion was replaced */
	RECOMMENDATION_STATUS__COUNT
};

enum clil_mode { CLIL_MONO_LANDLORD, CLIL_INTER_LANDLORD, CLIL_MODE__COUNT };
enum clil_status { CLIL_RENEWED, CLIL_EXPERIMENTED, CLIL_INITIATED, CLIL_STATUS__COUNT };

/* Stable names for JSON and SQL; NULL out of range. Each parser accepts
 * exactly those names and answers ERR_INVALID on field otherwise. */
const char *commission_level_name(enum commission_level level);
int commission_parse_level(enum commission_level *out, const char *s, const char *field, struct err *err);
const char *commission_status_name(enum commission_status status);
int commission_parse_status(enum commission_status *out, const char *s, const char *field, struct err *err);
const char *opinion_decision_name(enum opinion_decision d);
int opinion_parse_decision(enum opinion_decision *out, const char *s, const char *field, struct err *err);
/* How a letter to the tenant words the decision, in French. */
const char *opinion_decision_label_fr(enum opinion_decision d);
const char *recommendation_status_name(enum recommendation_status s);
int recommendation_parse_status(enum recommendation_status *out, const char *s, const char *field,
				struct err *err);
const char *clil_mode_name(enum clil_mode m);
int clil_parse_mode(enum clil_mode *out, const char *s, const char *field, struct err *err);
const char *clil_status_name(enum clil_status s);
int clil_parse_status(enum clil_status *out, const char *s, const char *field, struct err *err);

/* A CLIL session belongs to a CLIL, and only a CLIL session does:
 * ERR_UNPROCESSABLE on "clil_id". */
int commission_check_level(enum commission_level level, bool has_clil, struct err *err);

/* A local CCAPEX covers a territory, the central one the whole
 * département: ERR_UNPROCESSABLE on "territory" otherwise. Other levels
 * take a territory or none. */
int commission_check_territory(enum commission_level level, bool has_territory, struct err *err);

/* planned -> in_session -> closed; ERR_CONFLICT on "status" otherwise. */
int commission_check_status_change(enum commission_status from, enum commission_status to, struct err *err);

/* ERR_CONFLICT once the session has started. */
int commission_check_agenda_change(enum commission_status status, struct err *err);

/* Opinions are recorded during the session: ERR_CONFLICT otherwise. */
int commission_check_opinion(enum commission_status status, struct err *err);

/* At least one decision, none twice, housing benefit kept or suspended
 * but not both, and only for a session held from 1 January 2027.
 * ERR_UNPROCESSABLE naming "decisions" or "decisions[i]". */
int opinion_check_decisions(const enum opinion_decision *decisions, int count, const struct date *session,
			    struct err *err);

/* A recommendation falls due on or after the session that gives it:
 * ERR_UNPROCESSABLE on field. */
int recommendation_check_due(const struct date *due, const struct date *session, const char *field,
			     struct err *err);

/* The addressee's report; ERR_CONFLICT on "status" for a change the
 * machine refuses, ERR_UNPROCESSABLE on "comment" for a decline without
 * one. */
int recommendation_check_report(enum recommendation_status from, enum recommendation_status to,
				bool has_comment, struct err *err);

/* A recommendation in force on an opinion, and one of the opinion given
 * again. Borrowed strings; id is "" for a recommendation given without one. */
struct recommendation_held {
	const char *id;
	const char *addressee;
	const char *text;
	struct date due;
	enum recommendation_status status;
};
struct recommendation_given {
	const char *id;
	const char *addressee;
	const char *text;
	struct date due;
};

/* An opinion given again keeps the recommendations it still gives, under
 * their ids: match[i] is the index in held of the one given[i] keeps, or
 * -1 for a new one. A given one keeps the held one its id names (which must
 * be held, kept once, and keep its addressee), or else the first held one
 * left with the same addressee and text. Held ones left unmatched are to
 * be withdrawn. A held one its addressee has reported on is final: kept as
 * it is, or ERR_CONFLICT ("recommendations[i]" when changed,
 * "recommendations" when left out). ERR_UNPROCESSABLE on
 * "recommendations[i].id" or "recommendations[i].addressee_id". */
int opinion_match_recommendations(int *match, const struct recommendation_held *held, int nheld,
				  const struct recommendation_given *given, int ngiven, struct err *err);

/* A mono-landlord CLIL has exactly one landlord, an inter-landlord one at
 * least two: ERR_UNPROCESSABLE on "landlords". */
int clil_check_landlords(enum clil_mode mode, int count, struct err *err);

#endif
