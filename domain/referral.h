/* Referrals to the CCAPEX (saisines): their kinds, who may make each, the
 * status machine and the landlord's notice rule. Pure C.
 *
 * Status machine; any other pair is refused with ERR_CONFLICT on "status":
 *
 *   received     admit -> admissible, reject -> inadmissible, close
 *   admissible   schedule -> scheduled (put on an agenda), close
 *   scheduled    unschedule -> admissible (taken off the agenda, or the
 *                session closed without examining it), examine -> examined
 *   examined     examine (the opinion is replaced), close,
 *                escalate -> admissible when a CLIL examined it: the case
 *                goes on to the operational CCAPEX and keeps its history
 *   inadmissible nothing
 *   closed       nothing
 *
 * A referral is open while received, admissible, scheduled or examined: a
 * household has at most one open referral (the database enforces it).
 */
#ifndef DOMAIN_REFERRAL_H
#define DOMAIN_REFERRAL_H

#include <stdbool.h>

#include "domain/date.h"
#include "domain/err.h"
#include "domain/policy.h"

#define REFERRAL_REASON_BYTES 8001   /* 2000 characters of UTF-8 */

enum referral_kind {
	REFERRAL_SOCIAL_LANDLORD,   /* administrative referral by a social landlord */
	REFERRAL_PRIVATE_LANDLORD,  /* administrative referral by a private landlord */
	REFERRAL_SIGNALLED,         /* dossier signalé by a partner */
	REFERRAL_BAILIFF_REPORT,    /* opened by a payment order over the threshold */
	REFERRAL_KIND__COUNT
};

enum referral_status {
	REFERRAL_RECEIVED,
	REFERRAL_ADMISSIBLE,
	REFERRAL_INADMISSIBLE,
	REFERRAL_SCHEDULED,
	REFERRAL_EXAMINED,
	REFERRAL_CLOSED,
	REFERRAL_STATUS__COUNT
};

enum referral_step {
	REFERRAL_ADMIT,
	REFERRAL_REJECT,
	REFERRAL_SCHEDULE,
	REFERRAL_UNSCHEDULE,
	REFERRAL_EXAMINE,
	REFERRAL_ESCALATE,
	REFERRAL_CLOSE,
	REFERRAL_STEP__COUNT
};

/* Stable names for JSON and SQL; NULL out of range. The parsers accept
 * exactly these names and answer ERR_INVALID on field otherwise. */
const char *referral_kind_name(enum referral_kind kind);
int referral_parse_kind(enum referral_kind *out, const char *s, const char *field, struct err *err);
const char *referral_status_name(enum referral_status status);
int referral_parse_status(enum referral_status *out, const char *s, const char *field, struct err *err);
/* The name of the history entry a step leaves ("admitted", "escalated"...). */
const char *referral_step_name(enum referral_step step);

bool referral_status_is_open(enum referral_status status);

/* The status after step; ERR_CONFLICT on "status" when the machine refuses
 * it. examined_by_clil: the latest examination was a CLIL's (escalation). */
int referral_step_apply(enum referral_status *out, enum referral_status from, enum referral_step step,
			bool examined_by_clil, struct err *err);

/* Who may make a referral of each kind through the API: a landlord its own
 * kind of administrative referral; a partner a signalled file; the
 * préfecture and the département any kind, keying in what reached them on
 * paper (a bailiff's report included, which otherwise the payment order
 * opens). ERR_UNPROCESSABLE on "kind" otherwise. */
int referral_check_origin(enum org_kind caller, enum referral_kind kind, struct err *err);

/* The landlord's notice (loi ALUR): a legal-entity landlord (not a family
 * SCI) refers at least 2 months before the summons. A social landlord is
 * always a legal entity. */
struct referral_notice {
	bool applies;          /* an administrative referral by a legal entity */
	bool summons_known;
	struct date summons;   /* when summons_known */
	struct date latest;    /* the latest day to refer, when summons_known */
	bool late;             /* referred after latest: flagged, never refused */
};

/* ERR_UNPROCESSABLE on "legal_entity" for a social landlord said not to be
 * one; summons is NULL when no summons is known yet. */
int referral_check_notice(struct referral_notice *out, enum referral_kind kind, bool legal_entity,
			  const struct date *referred_on, const struct date *summons, struct err *err);

/* The orientation of a bailiff's report (décret 2026-83): the CCAPEX
 * orients every bailiff_report referral to a local actor and names the
 * organisation, the addressee, that takes it up. The addressee's kind must
 * fit the actor: a social service, an association or the ADIL is an
 * organisation of that kind; the FSL is the département's fund, so its
 * addressee is a departement; the SIAO (service intégré d'accueil et
 * d'orientation) is run by an association or a social service, which has
 * no kind of its own.
 *
 * The addressee reports as on a recommendation: pending, then accepted,
 * done or declined; accepted may still become done or declined; done and
 * declined are final. Declining says why. A declined orientation may be
 * replaced by a new one (pending again); any other is oriented once. */
#define ORIENTATION_TEXT_BYTES 8001  /* 2000 characters of UTF-8 */

enum orientation_actor {
	ORIENTATION_SOCIAL_SERVICE,
	ORIENTATION_ASSOCIATION,
	ORIENTATION_ADIL,
	ORIENTATION_FSL,
	ORIENTATION_SIAO,
	ORIENTATION_ACTOR__COUNT
};

enum orientation_status {
	ORIENTATION_PENDING,
	ORIENTATION_ACCEPTED,
	ORIENTATION_DONE,
	ORIENTATION_DECLINED,
	ORIENTATION_STATUS__COUNT
};

const char *orientation_actor_name(enum orientation_actor actor);
int orientation_parse_actor(enum orientation_actor *out, const char *s, const char *field, struct err *err);
const char *orientation_status_name(enum orientation_status status);
int orientation_parse_status(enum orientation_status *out, const char *s, const char *field, struct err *err);

/* Only a bailiff's report is oriented (ERR_UNPROCESSABLE on "kind"), while
 * the CCAPEX follows it: not once closed or inadmissible (ERR_CONFLICT on
 * "status"). has_current: the referral was oriented already; it is
 * oriented again only when that orientation was declined (ERR_CONFLICT on
 * "orientation"). */
int orientation_check_referral(enum referral_kind kind, enum referral_status status, bool has_current,
			       enum orientation_status current, struct err *err);

/* ERR_UNPROCESSABLE on "addressee_org_id" when the organisation's kind does not
 * fit the actor. */
int orientation_check_addressee(enum orientation_actor actor, enum org_kind addressee, struct err *err);

/* The addressee's report: ERR_CONFLICT on "status" for a change the
 * machine refuses, ERR_UNPROCESSABLE on "report" for a decline without
 * one, and on "reported_on" for a day before the orientation or after
 * today. */
int orientation_check_report(enum orientation_status from, enum orientation_status to, bool has_report,
			     const struct date *reported_on, const struct date *oriented_on,
			     const struct date *today, struct err *err);

#endif
