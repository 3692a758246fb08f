#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
"""Generate a deterministic, realistic Postfix mail log for benchmarks.

The log imitates a busy outbound server (newsletters, transactional mail,
some submission and inbound traffic) over several days.  Every message gets
its pickup or smtpd line, cleanup, qmgr "(queue active)", one delivery line
per recipient and "removed"; failed deliveries are retried on Postfix's
backoff schedule (exponential, 300 s to 4000 s) until they are delivered,
bounce, or expire after the queue lifetime.  Around the deliveries there is
the usual noise: smtpd connect/disconnect, NOQUEUE rejects of inbound mail,
SASL failures, postscreen, anvil, TLS session lines.

Line formats follow real Postfix 3.x logs (the shapes in the kumina
postfix_exporter and logwatch Postfix samples): "to=<...>, relay=...,
delay=..., delays=a/b/c/d, dsn=X.Y.Z, status=... (...)", per-MX attempt
lines "host X said: ..." without status=, postfix/error "delivery
temporarily suspended: ..." repeats, qmgr "status=expired, returned to
sender".  Reply texts are modelled on what the providers actually send
(NetEase HL:/MI:/DT:/RP: codes, QQ, Gmail multi-line replies as Postfix
flattens them, Outlook 5.7.606/4.7.650, Yahoo [TSS04], DNSBLs, greylisting
daemons, Dovecot quota, ...).  All addresses and tokens are made up.

The same --seed and options always produce the same bytes.  Python 3
standard library only.  A summary (lines, bytes/line, status and class mix)
goes to standard error with --stats.

Examples:
    genlog.py -n 2000000 --seed 1 out/postfix-2M.log
    genlog.py -n 200000 --days 90 --format rfc3339 --start 2026-08-26 -
"""

import argparse
import calendar
import heapq
import os
import random
import sys
import time

MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")

OUR_IPS = ("203.0.113.25", "203.0.113.26")
OUR_DOMAINS = ("acme-retail.com", "lists.acme-retail.com",
               "billing.acme-retail.com", "mail.nordwind-travel.de",
               "news.kavarna-praha.cz")
SENDER_LOCALS = ("noreply", "newsletter", "billing", "info", "orders",
                 "support", "alerts", "no-reply", "notifications")
LOCAL_DOMAIN = "acme-retail.com"

FIRST = ("anna", "john", "maria", "li.wei", "wang", "zhang.min", "piotr",
         "kasia", "david", "sarah", "michael", "jan", "eva", "chen", "liu",
         "tom", "lucas", "emma", "olga", "ivan", "yuki", "hiro", "fatima",
         "ahmed", "carlos", "sofia", "peter", "laura", "mark", "nina",
         "ben", "julia", "omar", "lena", "paul", "zoe", "alex", "kim")
LAST = ("smith", "kowalski", "mueller", "zhang", "wang", "li", "garcia",
        "novak", "rossi", "dubois", "jones", "brown", "lee", "nguyen",
        "ivanova", "tanaka", "silva", "berg", "martin", "schmidt", "wu")

SYL = ("al", "ber", "cor", "dan", "el", "fin", "gar", "hol", "in", "jet",
       "kar", "lum", "mar", "nor", "ost", "pra", "quin", "ros", "sol",
       "tek", "ul", "ver", "wel", "xan", "yor", "zen", "bit", "net", "tra",
       "vio", "mex", "dor", "lab", "sys", "geo", "med", "fin", "log")
PUBLIC_OCTETS = tuple(x for x in range(2, 223)
                      if x not in (10, 100, 127, 169, 172, 192, 198))
TLDS = ("com", "com", "com", "net", "org", "de", "pl", "cn", "fr", "co.uk",
        "nl", "it", "es", "cz", "io", "com.cn", "jp", "ru", "com.br")

# provider key -> (weight among recipients, share of recipients that fail
# on the first attempt, recipient domains, MX hosts, IP prefix)
PROVIDERS = {
    "gmail": (24, 0.080, ("gmail.com", "googlemail.com"),
              ("gmail-smtp-in.l.google.com",
               "alt1.gmail-smtp-in.l.google.com",
               "alt2.gmail-smtp-in.l.google.com",
               "alt3.gmail-smtp-in.l.google.com"), "142.250."),
    "outlook": (11, 0.11, ("outlook.com", "hotmail.com", "live.com",
                            "msn.com", "hotmail.co.uk"),
                ("hotmail-com.olc.protection.outlook.com",
                 "outlook-com.olc.protection.outlook.com"), "52.101."),
    "yahoo": (7, 0.12, ("yahoo.com", "ymail.com", "aol.com",
                         "yahoo.co.uk", "rocketmail.com"),
              ("mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net",
               "mta7.am0.yahoodns.net"), "67.195."),
    "qq": (8, 0.14, ("qq.com", "foxmail.com", "vip.qq.com"),
           ("mx3.qq.com", "mx2.qq.com", "mx1.qq.com"), "183.47."),
    "netease": (7, 0.17, ("163.com", "126.com", "yeah.net"),
                ("163mx01.mxmail.netease.com", "163mx02.mxmail.netease.com",
                 "163mx03.mxmail.netease.com"), "220.181."),
    "icloud": (4, 0.07, ("icloud.com", "me.com", "mac.com"),
               ("mx01.mail.icloud.com", "mx02.mail.icloud.com"), "17.57."),
    "consumer": (6, 0.09, ("gmx.de", "web.de", "mail.ru", "yandex.ru",
                           "orange.fr", "t-online.de", "comcast.net",
                           "free.fr", "wp.pl", "seznam.cz"),
                 None, "212.227."),
    "corp": (30, 0.11, None, None, None),
    "local": (3, 0.03, (LOCAL_DOMAIN,), None, None),
}

# Reply catalogue.  Fields:
#   providers  a provider key, "any" (corporate and other consumer
#              domains) or "net" (every remote receiver: Postfix's own
#              wording for network, DNS, TLS and size trouble)
#   weight     relative weight among that provider's failures
#   cls        the class bouncestat is expected to give (for --stats only)
#   final      "deferred" or "bounced"
#   kind       "said" (host X said: R (in reply to P command)),
#              "refused" (host X refused to talk to me: R),
#              "text" (Postfix's own wording, the template is the whole text)
#   phase      SMTP stage for "said"
#   dsn        what Postfix logs as dsn= (often 4.0.0/5.0.0 for bare codes)
#   retry      for deferrals: (p_ok, p_bounce, bounce_to, suspend)
#              p_ok: a retry delivers; p_bounce: a retry bounces with the
#              named entry; else it is deferred again.  suspend: retries
#              may be "delivery temporarily suspended" repeats.
#   relay      "mx" (relay=host[ip]:25) or "none"
#   template   {ip} our IP, {rcpt}, {dom}, {sdom} sender domain, {mx},
#              {mxip}, {tok} provider token, {unix}, {n}, {iso}, {size},
#              {big} a size over the receiver's 10240000 limit
NETEASE_TAIL = ("163 mx{n},{tok} {unix},please see http://mail.163.com/help/"
                "help_spam_16.htm?ip={ip}&hostid=mx{n}&time={unix}")
GSMTP = " {tok} - gsmtp"
MSFT = " [{tok}.eop-nam{n}.prod.protection.outlook.com {iso}]"

CATALOG = [
    # ---- NetEase 163/126/yeah.net (codes from the NetEase code table) ----
    ("netease", 14, "rate_limited", "deferred", "refused", None, "4.0.0",
     (0.55, 0, None, True), "mx", "421 HL:ICC " + NETEASE_TAIL),
    ("netease", 4, "rate_limited", "deferred", "said", "MAIL FROM", "4.0.0",
     (0.7, 0, None, False), "mx", "450 MI:DMC " + NETEASE_TAIL),
    ("netease", 4, "rate_limited", "deferred", "said", "RCPT TO", "4.0.0",
     (0.6, 0, None, False), "mx", "451 RP:QRC " + NETEASE_TAIL),
    ("netease", 16, "spam_content", "deferred", "said", "end of DATA",
     "4.0.0", (0.45, 0.3, "netease-554-dtspm", False), "mx",
     "451 DT:SPM 163 mx{n},{tok} {unix}, please try again 15min later"),
    ("netease", 6, "spam_content", "bounced", "said", "end of DATA", "5.0.0",
     None, "mx", "554 DT:SPM " + NETEASE_TAIL),
    ("netease", 7, "sender_auth", "bounced", "said", "MAIL FROM", "5.0.0",
     None, "mx", "550 MI:SPF " + NETEASE_TAIL),
    ("netease", 3, "blacklisted", "deferred", "refused", None, "4.0.0",
     (0.25, 0, None, True), "mx", "421 HL:REP " + NETEASE_TAIL),
    ("netease", 2, "blacklisted", "deferred", "said", "MAIL FROM", "4.0.0",
     (0.4, 0, None, False), "mx", "450 DT:RBL " + NETEASE_TAIL),
    ("netease", 2, "blacklisted", "bounced", "refused", None, "5.0.0",
     None, "mx", "554 HL:IPB " + NETEASE_TAIL),
    ("netease", 1, "blacklisted", "bounced", "said", "MAIL FROM", "5.0.0",
     None, "mx", "554 IP in blacklist"),
    ("netease", 9, "user_unknown", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 User not found: {rcpt}"),
    ("netease", 3, "mailbox_disabled", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 User suspended: {rcpt}"),
    ("netease", 1, "policy", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 User in blacklist"),
    ("netease", 1, "message_too_large", "bounced", "said", "end of DATA",
     "5.0.0", None, "mx",
     "552 Requested mail action aborted: exceeded mailsize limit"),
    ("netease", 1, "protocol_error", "bounced", "said", "end of DATA",
     "5.0.0", None, "mx", "550 MI:IMF " + NETEASE_TAIL),
    ("netease", 1, "relay_denied", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 RP:FRL " + NETEASE_TAIL),
    # ---- Tencent QQ ----
    ("qq", 16, "rate_limited", "bounced", "said", "MAIL FROM", "5.0.0",
     None, "mx", "550 Ip frequency limited. http://service.mail.qq.com/"
     "cgi-bin/help?subtype=1&&id=20022&&no=1000722"),
    ("qq", 12, "user_unknown", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 Mailbox not found. http://service.mail.qq.com/"
     "cgi-bin/help?subtype=1&&id=20022&&no=1000728"),
    ("qq", 6, "spam_content", "bounced", "said", "end of DATA", "5.0.0",
     None, "mx", "550 Mail content denied. http://service.mail.qq.com/"
     "cgi-bin/help?subtype=1&&id=20022&&no=1000726"),
    ("qq", 4, "sender_auth", "bounced", "said", "end of DATA", "5.0.0",
     None, "mx", "550 DMARC check failed http://service.mail.qq.com/"
     "cgi-bin/help?subtype=1&&no=1001508&&id=16."),
    ("qq", 3, "policy", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 Mailbox unavailable or access denied"),
    ("qq", 4, "rate_limited", "deferred", "said", "MAIL FROM", "4.0.0",
     (0.7, 0, None, False), "mx", "451 Sender frequency limited. "
     "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000723"),
    # ---- Gmail (multi-line replies as Postfix logs them) ----
    ("gmail", 18, "rate_limited", "deferred", "said", "end of DATA",
     "4.7.28", (0.6, 0, None, False), "mx",
     "421-4.7.28 [{ip}      15] Our system has detected an unusual rate of "
     "421-4.7.28 unsolicited mail originating from your IP address. To "
     "protect our 421-4.7.28 users from spam, mail sent from your IP address "
     "has been temporarily 421-4.7.28 rate limited. Please visit 421-4.7.28  "
     "https://support.google.com/mail/?p=UnsolicitedRateLimitError to "
     "421 4.7.28 review our Bulk Email Senders Guidelines." + GSMTP),
    ("gmail", 10, "sender_auth", "bounced", "said", "end of DATA", "5.7.26",
     None, "mx",
     "550-5.7.26 This mail has been blocked because the sender is "
     "unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate "
     "with either SPF or DKIM. 550-5.7.26  550-5.7.26  Authentication "
     "results: 550-5.7.26  DKIM = did not pass 550-5.7.26  SPF [{sdom}] with "
     "ip: [{ip}] = did not pass 550-5.7.26  550-5.7.26  For instructions on "
     "setting up authentication, go to 550 5.7.26  https://support.google."
     "com/mail/answer/81126#authentication" + GSMTP),
    ("gmail", 22, "user_unknown", "bounced", "said", "RCPT TO", "5.1.1",
     None, "mx",
     "550-5.1.1 The email account that you tried to reach does not exist. "
     "Please try 550-5.1.1 double-checking the recipient's email address for "
     "typos or 550-5.1.1 unnecessary spaces. For more information, go to "
     "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser" + GSMTP),
    ("gmail", 6, "mailbox_full", "deferred", "said", "RCPT TO", "4.2.2",
     (0.15, 0, None, False), "mx",
     "452-4.2.2 The recipient's inbox is out of storage space. Please direct "
     "the 452-4.2.2 recipient to 452 4.2.2  https://support.google.com/mail/"
     "?p=OverQuotaTemp" + GSMTP),
    ("gmail", 4, "mailbox_disabled", "bounced", "said", "RCPT TO", "5.2.1",
     None, "mx",
     "550-5.2.1 The email account that you tried to reach is inactive. For "
     "more 550-5.2.1 information, go to 550 5.2.1  https://support.google."
     "com/mail/?p=DisabledUser" + GSMTP),
    ("gmail", 5, "spam_content", "bounced", "said", "end of DATA", "5.7.1",
     None, "mx",
     "550-5.7.1 [{ip}      12] Gmail has detected that this message is "
     "likely 550-5.7.1 unsolicited mail. To reduce the amount of spam sent to "
     "Gmail, this 550-5.7.1 message has been blocked. For more information, "
     "go to 550 5.7.1  https://support.google.com/mail/?p="
     "UnsolicitedMessageError" + GSMTP),
    ("gmail", 4, "rate_limited", "deferred", "said", "RCPT TO", "4.2.1",
     (0.7, 0, None, False), "mx",
     "450-4.2.1 The user you are trying to contact is receiving mail at a "
     "rate that 450-4.2.1 prevents additional messages from being delivered. "
     "Please resend your 450-4.2.1 message at a later time. For more "
     "information, go to 450 4.2.1  https://support.google.com/mail/?p="
     "ReceivingRate" + GSMTP),
    ("gmail", 3, "server_error", "deferred", "said", "end of DATA", "4.3.0",
     (0.9, 0, None, False), "mx",
     "451-4.3.0 Mail server temporarily rejected message." + GSMTP),
    ("gmail", 1, "reverse_dns", "bounced", "said", "MAIL FROM", "5.7.25",
     None, "mx",
     "550-5.7.25 [{ip}] The IP address sending this message does not have a "
     "550-5.7.25 PTR record setup, or the corresponding forward DNS entry does "
     "not 550-5.7.25 point to the sending IP. As a policy, Gmail does not "
     "accept messages 550 5.7.25 from IPs with missing PTR records." + GSMTP),
    ("gmail", 1, "message_too_large", "bounced", "said", "MAIL FROM",
     "5.2.3", None, "mx",
     "552-5.2.3 Your message exceeded Google's message size limits. For more "
     "552-5.2.3 information, go to 552 5.2.3  https://support.google.com/"
     "mail/?p=MaxSizeError" + GSMTP),
    # ---- Microsoft (Outlook.com / Hotmail) ----
    ("outlook", 10, "blacklisted", "bounced", "said", "MAIL FROM", "5.7.606",
     None, "mx",
     "550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal "
     "from this list please visit https://sender.office.com/ and follow the "
     "directions. For more information please go to  http://go.microsoft.com/"
     "fwlink/?LinkID=526655 AS(1430)" + MSFT),
    ("outlook", 14, "rate_limited", "deferred", "said", "RCPT TO", "4.7.650",
     (0.5, 0, None, True), "mx",
     "451 4.7.650 The mail server [{ip}] has been temporarily rate limited "
     "due to IP reputation. For e-mail delivery information, see "
     "https://postmaster.live.com (S775)" + MSFT),
    ("outlook", 12, "user_unknown", "bounced", "said", "RCPT TO", "5.5.0",
     None, "mx",
     "550 5.5.0 Requested action not taken: mailbox unavailable "
     "(S2017062302)." + MSFT),
    ("outlook", 3, "rate_limited", "deferred", "refused", None, "4.3.2",
     (0.8, 0, None, True), "mx",
     "421 4.3.2 The maximum number of concurrent connections has exceeded a "
     "limit, closing transmission channel"),
    ("outlook", 2, "server_error", "deferred", "said", "MAIL FROM", "4.3.1",
     (0.9, 0, None, False), "mx",
     "452 4.3.1 Insufficient system resources (TSTE)" + MSFT),
    ("outlook", 2, "blacklisted", "bounced", "said", "MAIL FROM", "5.7.1",
     None, "mx",
     "550 5.7.1 Service unavailable, MailFrom domain is listed in Spamhaus. "
     "To request removal from this list see https://www.spamhaus.org/query/"
     "lookup/ (S8002)" + MSFT),
    # ---- Yahoo / AOL ----
    ("yahoo", 18, "rate_limited", "deferred", "refused", None, "4.7.0",
     (0.5, 0, None, True), "mx",
     "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to "
     "unexpected volume or user complaints - 4.16.55.1; see "
     "https://postmaster.yahooinc.com/error-codes"),
    ("yahoo", 6, "rate_limited", "deferred", "said", "MAIL FROM", "4.7.0",
     (0.5, 0, None, False), "mx",
     "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to "
     "unexpected volume or user complaints - 4.16.55.1; see "
     "https://postmaster.yahooinc.com/error-codes"),
    ("yahoo", 12, "user_unknown", "bounced", "said", "end of DATA", "5.0.0",
     None, "mx",
     "554 delivery error: dd This user doesn't have a {dom} account ({rcpt}) "
     "[0] - mta{n}07.mail.gq1.yahoo.com"),
    ("yahoo", 3, "mailbox_disabled", "bounced", "said", "end of DATA",
     "5.0.0", None, "mx",
     "554 delivery error: dd Sorry, your message to {rcpt} cannot be "
     "delivered. This mailbox is disabled (554.30). - mta{n}07.mail.bf1."
     "yahoo.com"),
    ("yahoo", 3, "blacklisted", "bounced", "said", "MAIL FROM", "5.7.1",
     None, "mx",
     "553 5.7.1 [BL23] Connections not accepted from IP addresses on "
     "Spamhaus XBL; see https://postmaster.yahooinc.com/error-codes"),
    ("yahoo", 3, "server_error", "deferred", "said", "end of DATA",
     "4.0.0", (0.85, 0, None, False), "mx",
     "451 Resources temporarily unavailable. Please try again later "
     "[#4.16.1]."),
    # ---- Apple iCloud ----
    ("icloud", 6, "rate_limited", "deferred", "said", "RCPT TO", "4.7.1",
     (0.7, 0, None, False), "mx",
     "421 4.7.1 Messages to {rcpt} deferred due to excessive volume. Try "
     "again later - https://support.apple.com/en-us/HT204137"),
    ("icloud", 6, "user_unknown", "bounced", "said", "RCPT TO", "5.1.1",
     None, "mx", "550 5.1.1 <{rcpt}>: user does not exist"),
    ("icloud", 3, "mailbox_full", "bounced", "said", "RCPT TO", "5.2.2",
     None, "mx", "552 5.2.2 <{rcpt}>: user is overquota"),
    ("icloud", 2, "policy", "bounced", "said", "end of DATA", "5.7.1",
     None, "mx", "554 5.7.1 [CS01] Message rejected due to local policy. "
     "Please visit https://support.apple.com/en-us/HT204137"),
    ("icloud", 2, "sender_auth", "bounced", "said", "end of DATA", "5.7.1",
     None, "mx", "550 5.7.1 Your message was rejected due to {sdom}'s DMARC "
     "policy. See https://support.apple.com/en-us/HT204137 for info"),
    # ---- other consumer mailbox providers ----
    ("consumer", 3, "reverse_dns", "bounced", "refused", None, "5.0.0",
     None, "mx", "554-{mx} (mxgmx117) Nemesis ESMTP Service not available "
     "554-No SMTP service 554-Bad DNS PTR resource record. 554 For "
     "explanation visit https://postmaster.gmx.net/en/case?c=r0601&i=ip&v="
     "{ip}&r={tok}"),
    ("consumer", 3, "spam_content", "bounced", "said", "end of DATA",
     "5.0.0", None, "mx", "550 spam message rejected. Please visit "
     "https://help.mail.ru/notspam-support/id?c={tok} or report details to "
     "abuse@corp.mail.ru. Error code: {tok}. ID: {unix}."),
    ("consumer", 4, "rate_limited", "deferred", "refused", None, "4.0.0",
     (0.8, 0, None, True), "mx",
     "421 mwinf5c{n} ME Trop de connexions, veuillez verifier votre "
     "configuration. Too many connections, slow down. OFR005_104 [104]"),
    ("consumer", 3, "blacklisted", "bounced", "refused", None, "5.0.0",
     None, "mx", "554 resimta-po-{n}v.sys.comcast.net resimta-po-{n}v.sys."
     "comcast.net {ip} found on one or more DNSBLs, see http://postmaster."
     "comcast.net/smtp-error-codes.php#BL000000"),
    # ---- any remote receiver: greylisting, DNSBLs, mailbox state, ... ----
    ("any", 10, "greylisted", "deferred", "said", "RCPT TO", "4.2.0",
     (0.95, 0, None, False), "mx",
     "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see "
     "http://postgrey.schweikert.ch/help/{dom}.html"),
    ("any", 6, "greylisted", "deferred", "said", "RCPT TO", "4.7.1",
     (0.95, 0, None, False), "mx",
     "450 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted for 300 "
     "seconds"),
    ("any", 3, "greylisted", "deferred", "said", "end of DATA", "4.7.1",
     (0.95, 0, None, False), "mx",
     "451 4.7.1 Greylisting in action, please come back in 00:05:00"),
    ("any", 12, "user_unknown", "bounced", "said", "RCPT TO", "5.1.1",
     None, "mx", "550 5.1.1 <{rcpt}>: Recipient address rejected: User "
     "unknown in virtual mailbox table"),
    ("any", 6, "user_unknown", "bounced", "said", "RCPT TO", "5.1.1",
     None, "mx", "550 5.1.1 <{rcpt}>: Recipient address rejected: User "
     "unknown in local recipient table"),
    ("any", 4, "user_unknown", "bounced", "said", "RCPT TO", "5.1.10",
     None, "mx", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient "
     "{rcpt} not found by SMTP address lookup"),
    ("any", 2, "user_unknown", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "550 No such user ({rcpt})"),
    ("any", 4, "mailbox_full", "deferred", "said", "RCPT TO", "4.2.2",
     (0.2, 0, None, False), "mx",
     "452 4.2.2 <{rcpt}>: Recipient address rejected: Mailbox full"),
    ("any", 2, "mailbox_full", "bounced", "said", "RCPT TO", "5.2.2",
     None, "mx", "552 5.2.2 <{rcpt}>: Recipient address rejected: Mailbox "
     "is full / Blocks limit exceeded / Inode limit exceeded"),
    ("any", 2, "mailbox_disabled", "bounced", "said", "RCPT TO", "5.2.1",
     None, "mx", "550 5.2.1 <{rcpt}>: Mailbox disabled, not accepting "
     "messages"),
    ("any", 5, "blacklisted", "bounced", "said", "RCPT TO", "5.7.1",
     None, "mx", "554 5.7.1 Service unavailable; Client host [{ip}] blocked "
     "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"),
    ("any", 2, "blacklisted", "bounced", "said", "RCPT TO", "5.7.1",
     None, "mx", "550 5.7.1 Mail from {ip} rejected using zen.spamhaus.org. "
     "Please see http://www.spamhaus.org/query/bl?ip={ip}"),
    ("any", 3, "blacklisted", "bounced", "said", "RCPT TO", "5.0.0",
     None, "mx", "554 Service unavailable; Client host [{ip}] blocked using "
     "Barracuda Reputation; http://www.barracudanetworks.com/reputation/"
     "?pr=1&ip={ip}"),
    ("any", 2, "blacklisted", "bounced", "said", "RCPT TO", "5.7.1",
     None, "mx", "554 5.7.1 Service unavailable; Client host [{ip}] blocked "
     "using bl.spamcop.net; Blocked - see http://www.spamcop.net/bl.shtml"
     "?{ip}"),
    ("any", 1, "blacklisted", "deferred", "said", "RCPT TO", "4.7.1",
     (0.3, 0, None, False), "mx", "450 4.7.1 Service unavailable; Client "
     "host [{ip}] blocked using b.barracudacentral.org"),
    ("net", 5, "network_error", "deferred", "text", None, "4.4.1",
     (0.5, 0, None, True), "none", "connect to {mx}[{mxip}]:25: Connection "
     "timed out"),
    ("net", 2, "network_error", "deferred", "text", None, "4.4.1",
     (0.5, 0, None, True), "none", "connect to {mx}[{mxip}]:25: Connection "
     "refused"),
    ("net", 3, "network_error", "deferred", "text", None, "4.4.2",
     (0.7, 0, None, False), "mx", "lost connection with {mx}[{mxip}] while "
     "receiving the initial server greeting"),
    ("net", 2, "network_error", "deferred", "text", None, "4.4.2",
     (0.7, 0, None, False), "mx", "conversation with {mx}[{mxip}] timed out "
     "while sending end of data -- message may be sent more than once"),
    ("any", 2, "server_error", "deferred", "refused", None, "4.3.2",
     (0.85, 0, None, True), "mx", "421 4.3.2 Service not available, closing "
     "transmission channel"),
    ("any", 2, "server_error", "deferred", "said", "end of DATA", "4.3.0",
     (0.9, 0, None, False), "mx", "451 4.3.0 Error: queue file write "
     "error"),
    ("any", 1, "server_error", "deferred", "said", "MAIL FROM", "4.3.1",
     (0.9, 0, None, False), "mx", "452 4.3.1 Insufficient system storage"),
    ("any", 2, "rate_limited", "deferred", "said", "RCPT TO", "4.5.3",
     (0.95, 0, None, False), "mx", "452 4.5.3 Error: too many recipients"),
    ("any", 2, "rate_limited", "deferred", "refused", None, "4.7.0",
     (0.8, 0, None, True), "mx", "421 4.7.0 {mx} Error: too many "
     "connections from {ip}"),
    ("net", 1, "tls_error", "deferred", "text", None, "4.7.4",
     (0.15, 0, None, False), "mx", "TLS is required, but was not offered "
     "by host {mx}[{mxip}]"),
    ("net", 1, "tls_error", "deferred", "text", None, "4.7.5",
     (0.2, 0, None, False), "mx", "Server certificate not verified"),
    ("any", 1, "tls_error", "deferred", "said", "STARTTLS", "4.7.0",
     (0.6, 0, None, False), "mx", "454 4.7.0 TLS not available due to "
     "local problem"),
    ("net", 2, "message_too_large", "bounced", "text", None, "5.3.4",
     None, "mx", "message size {big} exceeds size limit 10240000 of server "
     "{mx}[{mxip}]"),
    ("any", 1, "message_too_large", "bounced", "said", "end of DATA",
     "5.3.4", None, "mx", "552 5.3.4 Message size exceeds fixed maximum "
     "message size"),
    ("any", 2, "reverse_dns", "deferred", "said", "RCPT TO", "4.7.1",
     (0.3, 0, None, False), "mx", "450 4.7.1 Client host rejected: cannot "
     "find your hostname, [{ip}]"),
    ("any", 2, "relay_denied", "bounced", "said", "RCPT TO", "5.7.1",
     None, "mx", "554 5.7.1 <{rcpt}>: Relay access denied"),
    ("any", 2, "policy", "bounced", "said", "RCPT TO", "5.7.1",
     None, "mx", "550 5.7.1 <{rcpt}>: Recipient address rejected: Access "
     "denied"),
    ("any", 1, "sender_auth", "bounced", "said", "RCPT TO", "5.7.23",
     None, "mx", "550 5.7.23 <{rcpt}>: Recipient address rejected: Message "
     "rejected due to: SPF fail - not authorized. Please see "
     "http://www.openspf.net/Why?s=mfrom;id=noreply@{sdom};ip={ip};r={rcpt}"),
    ("any", 1, "virus", "bounced", "said", "end of DATA", "5.7.1",
     None, "mx", "554 5.7.1 Message rejected: infected by "
     "Win.Trojan.Emotet-9953563-0"),
    ("any", 1, "protocol_error", "bounced", "said", "RCPT TO", "5.1.3",
     None, "mx", "501 5.1.3 Bad recipient address syntax"),
    ("any", 1, "protocol_error", "deferred", "said", "MAIL FROM", "4.0.0",
     (0.5, 0.4, "any-503", False), "mx", "503 Error: send HELO/EHLO first"),
    ("any", 1, "loop", "bounced", "said", "end of DATA", "5.4.6",
     None, "mx", "554 5.4.6 Too many hops"),
    ("any", 1, "auth_failed", "deferred", "text", None, "4.7.0",
     (0.3, 0, None, True), "mx", "SASL authentication failed; server "
     "{mx}[{mxip}] said: 535 5.7.8 Error: authentication failed: "
     "authentication failure"),
    ("any", 1, "unknown", "bounced", "said", "end of DATA", "5.0.0",
     None, "mx", "554 Transaction failed"),
    # ---- a corporate MX that stays down until the message expires ----
    ("corp", 3, "network_error", "deferred", "text", None, "4.4.1",
     (0.0, 0, None, True), "none", "connect to {mx}[{mxip}]:25: Connection "
     "timed out"),
    # ---- DNS: Postfix's own wording, relay=none ----
    ("corp", 4, "host_unknown", "deferred", "text", None, "4.4.3",
     (0.6, 0, None, True), "none", "Host or domain name not found. Name "
     "service error for name={dom} type=MX: Host not found, try again"),
    ("corp", 5, "host_unknown", "bounced", "text", None, "5.4.4",
     None, "none", "Host or domain name not found. Name service error for "
     "name={dom} type=A: Host not found"),
    # ---- our own mailboxes behind Dovecot LMTP ----
    ("local", 6, "mailbox_full", "bounced", "said", "end of DATA", "5.2.2",
     None, "lmtp", "552 5.2.2 <{rcpt}> Quota exceeded (mailbox for user is "
     "full)"),
    ("local", 3, "mailbox_full", "deferred", "said", "end of DATA", "4.2.2",
     (0.2, 0, None, False), "lmtp", "452 4.2.2 <{rcpt}> Quota exceeded "
     "(mailbox for user is full)"),
    ("local", 4, "user_unknown", "bounced", "said", "RCPT TO", "5.1.1",
     None, "lmtp", "550 5.1.1 <{rcpt}> User doesn't exist: {rcpt}"),
]

# named bounce targets for "retry then bounce" chains (not drawn directly)
NAMED = {
    "netease-554-dtspm": ("netease", 0, "spam_content", "bounced", "said",
                          "end of DATA", "5.0.0", None, "mx",
                          "554 DT:SPM " + NETEASE_TAIL),
    "any-503": ("any", 0, "protocol_error", "bounced", "said", "MAIL FROM",
                "5.5.1", None, "mx", "503 5.5.1 Error: send HELO/EHLO first"),
}

NOQUEUE_REJECTS = (
    "450 4.7.1 Client host rejected: cannot find your hostname, [{cip}]",
    "554 5.7.1 Service unavailable; Client host [{cip}] blocked using "
    "zen.spamhaus.org; https://www.spamhaus.org/query/ip/{cip}",
    "454 4.7.1 <{to}>: Relay access denied",
    "550 5.1.1 <{to}>: Recipient address rejected: User unknown in virtual "
    "mailbox table",
    "450 4.1.8 <{frm}>: Sender address rejected: Domain not found",
)

TLS_CIPHERS = (
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange "
    "X25519 server-signature ECDSA (P-256) server-digest SHA256",
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange "
    "X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256",
    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
)


class Scen:
    """One reply scenario from the catalogue."""

    __slots__ = ("name", "cls", "final", "kind", "phase", "dsn", "retry",
                 "relay", "template")

    def __init__(self, name, t):
        (_prov, _w, self.cls, self.final, self.kind, self.phase, self.dsn,
         self.retry, self.relay, self.template) = t
        self.name = name


class Rcpt:
    __slots__ = ("addr", "dom", "prov", "mxs", "mxip", "scen", "last",
                 "done")

    def __init__(self, addr, dom, prov, mxs, mxip):
        self.addr = addr
        self.dom = dom
        self.prov = prov
        self.mxs = mxs
        self.mxip = mxip
        self.scen = None
        self.last = None
        self.done = False


class Msg:
    __slots__ = ("qid", "sender", "sdom", "size", "t0", "rcpts", "tries",
                 "warned", "bounced")

    def __init__(self, qid, sender, sdom, size, t0, rcpts):
        self.qid = qid
        self.sender = sender
        self.sdom = sdom
        self.size = size
        self.t0 = t0
        self.rcpts = rcpts
        self.tries = 0
        self.warned = False
        self.bounced = []


class Gen:
    """The simulation: a heap of timed lines and retry events."""

    def __init__(self, a):
        self.a = a
        self.r = random.Random(a.seed)
        r = self.r
        self.heap = []
        self.seq = 0
        self.pushed = 0
        self.emitted = 0
        self.tzoff = a.tz_seconds
        self.tzstr = a.tz
        self.host = a.hostname
        self.rfc = a.format == "rfc3339"
        self.now = a.start_epoch  # nothing before --start
        self.last_sec = None
        self.last_prefix = ""
        self.inode = r.randrange(0x10000, 0x40000)
        self.pids = {k: [r.randrange(1000, 60000) for _ in range(n)]
                     for k, n in (("smtp", 24), ("smtpd", 8),
                                  ("cleanup", 4), ("bounce", 2),
                                  ("error", 3), ("lmtp", 4),
                                  ("submission/smtpd", 4),
                                  ("postscreen", 1))}
        self.pid_qmgr = r.randrange(1000, 60000)
        self.pid_pickup = r.randrange(1000, 60000)
        self.pid_anvil = r.randrange(1000, 60000)
        # corporate domains and where their MX lives
        self.corp = []
        seen = set()
        while len(self.corp) < a.domains:
            name = "".join(r.choice(SYL) for _ in range(r.randint(2, 3)))
            if r.random() < 0.2:
                name += "-" + r.choice(("group", "tech", "law", "bank",
                                        "shop", "media", "energy"))
            dom = name + "." + r.choice(TLDS)
            if dom in seen:
                continue
            seen.add(dom)
            x = r.random()
            if x < 0.25:
                mxs = (dom.replace(".", "-") + ".mail.protection.outlook.com",)
                pfx, prov = "52.101.", "corp"
            elif x < 0.45:
                mxs = ("aspmx.l.google.com", "alt1.aspmx.l.google.com")
                pfx, prov = "142.251.", "corp"
            else:
                mxs = ("mx1." + dom, "mx2." + dom) if r.random() < 0.6 \
                    else ("mail." + dom,)
                pfx = "%d.%d." % (r.choice(PUBLIC_OCTETS), r.randrange(256))
                prov = "corp"
            self.corp.append((dom, mxs, pfx, prov))
        self.consumer_mx = {
            "gmx.de": (("mx00.emig.gmx.net", "mx01.emig.gmx.net"),
                       "212.227.15."),
            "web.de": (("mx-ha03.web.de", "mx-ha02.web.de"), "212.227.17."),
            "mail.ru": (("mxs.mail.ru",), "94.100.180."),
            "yandex.ru": (("mx.yandex.ru",), "77.88.21."),
            "orange.fr": (("smtp-in.orange.fr",), "193.252.22."),
            "t-online.de": (("mx00.t-online.de", "mx01.t-online.de"),
                            "194.25.134."),
            "comcast.net": (("mx1a1.comcast.net", "mx2c1.comcast.net"),
                            "96.114.157."),
            "free.fr": (("mx1.free.fr", "mx2.free.fr"), "212.27.48."),
            "wp.pl": (("mx.wp.pl",), "212.77.101."),
            "seznam.cz": (("mx1.seznam.cz", "mx2.seznam.cz"), "77.75.78."),
        }
        # catalogue per provider
        self.fail = {}
        for prov in PROVIDERS:
            entries = []
            for i, t in enumerate(CATALOG):
                p = t[0]
                if p == prov or (p == "net" and prov != "local") or \
                        (p == "any" and prov in ("corp", "consumer")):
                    entries.append(Scen("c%d" % i, t))
            weights = [CATALOG[int(s.name[1:])][1] for s in entries]
            cum, acc = [], 0
            for w in weights:
                acc += w
                cum.append(acc)
            self.fail[prov] = (entries, cum, acc)
        self.named = {k: Scen(k, v) for k, v in NAMED.items()}
        provs = list(PROVIDERS)
        self.prov_keys = provs
        cum, acc = [], 0
        for p in provs:
            acc += PROVIDERS[p][0]
            cum.append(acc)
        self.prov_cum = cum
        self.prov_tot = acc
        # hourly weights over the span (diurnal curve, weekends quieter)
        hours = max(1, int(a.days * 24))
        w = []
        for h in range(hours):
            hod = h % 24
            dow = (a.start_epoch // 86400 + h // 24 + 3) % 7  # 0=Mon
            base = 0.25 + 0.75 * max(0.0, 1 - abs(hod - 13) / 9.0)
            if dow >= 5:
                base *= 0.55
            w.append(base * (0.85 + 0.3 * r.random()))
        tot = sum(w)
        self.hour_cum = []
        acc = 0.0
        for x in w:
            acc += x / tot
            self.hour_cum.append(acc)
        self.hour_w = [x / tot for x in w]
        self.span_hours = hours
        # statistics
        self.st_status = {"sent": 0, "deferred": 0, "bounced": 0,
                          "expired": 0}
        self.st_class = {}
        self.st_attempts = 0
        self.st_suspended = 0
        self.st_bytes = 0

    # ---------------------------------------------------------- helpers
    def pid(self, svc):
        pool = self.pids[svc]
        i = self.r.randrange(len(pool))
        if self.r.random() < 0.0005:
            pool[i] = self.r.randrange(1000, 60000)
        return pool[i]

    def qid(self, t):
        self.inode += self.r.randrange(1, 40)
        if self.inode > 0xFFFFFF:
            self.inode = 0x10000 + (self.inode & 0xFFFF)
        return "%05X%X" % (int((t % 1) * 1e6) & 0xFFFFF, self.inode)

    def push(self, t, body):
        if t < self.now:
            t = self.now  # syslog lines come out in time order
        self.seq += 1
        self.pushed += 1
        heapq.heappush(self.heap, (t, self.seq, body))

    def push_event(self, t, msg):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, msg))

    def prefix(self, t):
        sec = int(t)
        if sec != self.last_sec:
            self.last_sec = sec
            tm = time.gmtime(sec + self.tzoff)
            if self.rfc:
                self.last_prefix = "%04d-%02d-%02dT%02d:%02d:%02d" % (
                    tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec)
            else:
                self.last_prefix = "%s %2d %02d:%02d:%02d %s " % (
                    MONTHS[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
                    tm.tm_sec, self.host)
        if self.rfc:
            return "%s.%06d%s %s " % (self.last_prefix,
                                      int((t - sec) * 1e6), self.tzstr,
                                      self.host)
        return self.last_prefix

    def rand_ip(self, pfx=None):
        r = self.r
        if pfx is None:
            return "%d.%d.%d.%d" % (r.choice(PUBLIC_OCTETS), r.randrange(256),
                                    r.randrange(256), r.randrange(1, 255))
        if pfx.count(".") == 2:
            return "%s%d.%d" % (pfx, r.randrange(256), r.randrange(1, 255))
        return "%s%d" % (pfx, r.randrange(1, 255))

    def local_part(self):
        r = self.r
        x = r.random()
        if x < 0.4:
            return "%s.%s" % (r.choice(FIRST), r.choice(LAST))
        if x < 0.7:
            return "%s%d" % (r.choice(FIRST), r.randrange(1, 9999))
        return "%s%s%d" % (r.choice(FIRST)[0], r.choice(LAST),
                           r.randrange(10, 99))

    def pick_rcpt(self):
        r = self.r
        x = r.random() * self.prov_tot
        i = 0
        cum = self.prov_cum
        while cum[i] < x:
            i += 1
        prov = self.prov_keys[i]
        info = PROVIDERS[prov]
        if prov == "corp":
            dom, mxs, pfx, _ = self.corp[int(len(self.corp) *
                                             (r.random() ** 2))]
        elif prov == "consumer":
            dom = r.choice(info[2])
            mxs, pfx = self.consumer_mx[dom]
        elif prov == "local":
            dom, mxs, pfx = LOCAL_DOMAIN, None, None
        else:
            dom, mxs, pfx = r.choice(info[2]), info[3], info[4]
        lp = self.local_part()
        if (prov == "qq" and r.random() < 0.6) or \
                (prov == "netease" and r.random() < 0.2):  # numeric QQ ids
            lp = "%d" % r.randrange(10000000, 3999999999)
        mxip = self.rand_ip(pfx) if mxs else None
        return Rcpt("%s@%s" % (lp, dom), dom, prov, mxs, mxip)

    def token(self, prov):
        r = self.r
        if prov == "gmail" or prov == "corp":
            return "%013x-%011xsi%07d%s.%d" % (
                r.getrandbits(52), r.getrandbits(44), r.randrange(10**7),
                r.choice(("a", "b", "c", "d", "e")) + "%02d" %
                r.randrange(100), r.randrange(1000))
        if prov == "outlook":
            return "%s%dPEPF%08X" % (r.choice(("BN8", "DM6", "AM4", "DB5",
                                               "SN1", "CO1")),
                                     r.randrange(10), r.getrandbits(32))
        if prov == "netease":
            return "%s--.%dS%d" % ("".join(r.choice(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                for _ in range(22)), r.randrange(1000, 60000),
                r.randrange(2, 4))
        return "%08x" % r.getrandbits(32)

    def reply_text(self, scen, rc, msg, t, mx, mxip):
        r = self.r
        tpl = scen.template
        if "{" in tpl:
            tpl = tpl.format(
                ip=OUR_IPS[0],
                rcpt=rc.addr, dom=rc.dom, sdom=msg.sdom, mx=mx, mxip=mxip,
                tok=self.token(rc.prov), unix=int(t), n=r.randrange(1, 60),
                big=max(msg.size, 10240001 + r.randrange(9000000)),
                iso=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) +
                ".%03dZ" % r.randrange(1000), size=msg.size)
        if scen.kind == "said":
            return "host %s[%s] said: %s (in reply to %s command)" % (
                mx, mxip, tpl, scen.phase)
        if scen.kind == "refused":
            return "host %s[%s] refused to talk to me: %s" % (mx, mxip, tpl)
        return tpl

    def relay(self, scen, rc, mx, mxip):
        if rc.prov == "local":
            return "mail.%s[private/dovecot-lmtp]" % LOCAL_DOMAIN
        if scen is not None and scen.relay == "none":
            return "none"
        return "%s[%s]:25" % (mx, mxip)

    def delays(self, t, msg, first, local=False):
        """delay= and delays=a/b/c/d (queue, qmgr, connect, transmit)."""
        r = self.r
        b = r.random() * 0.05
        c, d = (0.0, 0.0) if local else (r.random() * 0.8, r.random() * 1.5)
        if first:
            a = r.random() * 0.3
            total = a + b + c + d
        else:
            total = t - msg.t0
            a = max(0.0, total - b - c - d)
        return "delay=%s, delays=%s/%s/%s/%s" % (
            fmt_delay(total), fmt_d(a), fmt_d(b), fmt_d(c), fmt_d(d))

    def count_class(self, scen):
        self.st_class[scen.cls] = self.st_class.get(scen.cls, 0) + 1

    # ---------------------------------------------------------- messages
    def new_message(self, t):
        r = self.r
        qid = self.qid(t)
        sdom = r.choice(OUR_DOMAINS)
        sender = "%s@%s" % (r.choice(SENDER_LOCALS), sdom)
        x = r.random()
        nr = 1 if x < 0.82 else (r.randint(2, 3) if x < 0.97
                                 else r.randint(4, 8))
        rcpts = [self.pick_rcpt() for _ in range(nr)]
        size = int(r.lognormvariate(9.6, 0.9)) + 800
        if r.random() < 0.002:
            size = r.randrange(12000000, 30000000)
        msg = Msg(qid, sender, sdom, size, t, rcpts)
        src = r.random()
        if src < 0.62:
            self.push(t, "postfix/pickup[%d]: %s: uid=%d from=<%s>" % (
                self.pid_pickup, qid, r.choice((33, 1000, 1001, 998)),
                sender))
        else:
            svc = "submission/smtpd" if src < 0.85 else "smtpd"
            pid = self.pid(svc)
            cip = self.rand_ip()
            chost = "unknown" if r.random() < 0.3 else \
                "host-%s.dyn.example-isp.net" % cip.replace(".", "-")
            self.push(t - 0.05, "postfix/%s[%d]: connect from %s[%s]" % (
                svc, pid, chost, cip))
            if svc == "submission/smtpd":
                self.push(t, "postfix/%s[%d]: %s: client=%s[%s], "
                          "sasl_method=PLAIN, sasl_username=%s" % (
                              svc, pid, qid, chost, cip, sender))
            else:
                self.push(t, "postfix/%s[%d]: %s: client=%s[%s]" % (
                    svc, pid, qid, chost, cip))
            self.push(t + 0.3, "postfix/%s[%d]: disconnect from %s[%s] "
                      "ehlo=1 %smail=1 rcpt=%d data=1 quit=1 commands=%d" % (
                          svc, pid, chost, cip,
                          "auth=1 " if svc != "smtpd" else "", nr,
                          4 + nr + (svc != "smtpd")))
        self.push(t + 0.01, "postfix/cleanup[%d]: %s: message-id=<%d.%x@%s>"
                  % (self.pid("cleanup"), qid, int(t), r.getrandbits(40),
                     sdom))
        self.attempt(msg, t + 0.02, True)

    def attempt(self, msg, t, first):
        """One delivery round for the message's pending recipients."""
        r = self.r
        a = self.a
        msg.tries += 1
        pend = [rc for rc in msg.rcpts if not rc.done]
        if not first and t - msg.t0 > a.queue_lifetime:
            self.push(t, "postfix/qmgr[%d]: %s: from=<%s>, status=expired, "
                      "returned to sender" % (self.pid_qmgr, msg.qid,
                                              msg.sender))
            self.st_status["expired"] += 1
            self.st_class["expired"] = self.st_class.get("expired", 0) + 1
            self.notify(msg, t + 0.05, "non-delivery")
            self.push(t + 0.1, "postfix/qmgr[%d]: %s: removed" % (
                self.pid_qmgr, msg.qid))
            return
        self.push(t, "postfix/qmgr[%d]: %s: from=<%s>, size=%d, nrcpt=%d "
                  "(queue active)" % (self.pid_qmgr, msg.qid, msg.sender,
                                      msg.size, len(msg.rcpts)))
        tt = t
        deferred = False
        for rc in pend:
            tt += r.random() * 1.2 + 0.05
            deferred |= self.deliver(msg, rc, tt, first)
        tt += 0.01
        if msg.bounced:
            self.notify(msg, tt, "non-delivery")
            msg.bounced = []
            tt += 0.05
        if not deferred:
            self.push(tt, "postfix/qmgr[%d]: %s: removed" % (self.pid_qmgr,
                                                             msg.qid))
            return
        if not msg.warned and t - msg.t0 > 4 * 3600:
            msg.warned = True
            self.notify(msg, tt, "delay")
        backoff = min(4000.0, 300.0 * (2 ** (msg.tries - 1)))
        grey = any(rc.scen is not None and rc.scen.cls == "greylisted"
                   for rc in pend if not rc.done)
        if grey:
            backoff = min(backoff, 300.0 + r.random() * 600)
        nxt = tt + backoff * (0.8 + 0.5 * r.random())
        if nxt - msg.t0 > a.queue_lifetime:
            nxt = max(tt + 60, msg.t0 + a.queue_lifetime + r.random() * 900)
        self.push_event(nxt, msg)

    def deliver(self, msg, rc, t, first):
        """Deliver to one recipient at time t; True if it stays queued."""
        r = self.r
        if first:
            if r.random() < PROVIDERS[rc.prov][1]:
                entries, cum, tot = self.fail[rc.prov]
                x = r.random() * tot
                lo, hi = 0, len(cum) - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if cum[mid] < x:
                        lo = mid + 1
                    else:
                        hi = mid
                rc.scen = entries[lo]
            scen = rc.scen
        else:
            scen = rc.scen
            ok, pb, bto, _susp = scen.retry
            x = r.random()
            if x < ok:
                scen = None
            elif x < ok + pb:
                scen = rc.scen = self.named[bto]
        if rc.mxs:
            mxi = r.randrange(len(rc.mxs))
            mx = rc.mxs[mxi]
            mxip = mx_ip(rc.mxip, mxi)
        else:
            mx, mxi, mxip = "mail." + LOCAL_DOMAIN, 0, None
        if scen is None:
            self.sent(msg, rc, t, first, mx, mxip)
            rc.done = True
            return False
        # per-MX attempts before the final result
        if rc.mxs and len(rc.mxs) > 1 and scen.final == "deferred":
            if scen.kind in ("said", "refused") and \
                    scen.phase in (None, "MAIL FROM") and r.random() < 0.5:
                oi = (mxi + 1) % len(rc.mxs)
                other, oip = rc.mxs[oi], mx_ip(rc.mxip, oi)
                self.push(t - 0.3, "postfix/smtp[%d]: %s: %s" % (
                    self.pid("smtp"), msg.qid,
                    self.reply_text(scen, rc, msg, t, other, oip)))
                self.st_attempts += 1
            elif scen.relay == "none" and scen.cls == "network_error":
                oi = (mxi + 1) % len(rc.mxs)
                other, oip = rc.mxs[oi], mx_ip(rc.mxip, oi)
                pid = self.pid("smtp")
                self.push(t - 30, "postfix/smtp[%d]: connect to %s[%s]:25: "
                          "%s" % (pid, other, oip,
                                  "Connection timed out" if "timed out" in
                                  scen.template else "Connection refused"))
        svc, pid = ("lmtp", self.pid("lmtp")) if rc.prov == "local" else \
            ("smtp", self.pid("smtp"))
        if (not first and scen.final == "deferred" and scen.retry[3]
                and rc.last is not None and r.random() < 0.6):
            svc, pid = "error", self.pid("error")
            text = "delivery temporarily suspended: " + rc.last
            relay = "none"
            self.st_suspended += 1
            delays = self.delays(t, msg, first, True)
        else:
            delays = self.delays(t, msg, first)
            text = self.reply_text(scen, rc, msg, t, mx, mxip)
            relay = self.relay(scen, rc, mx, mxip)
            rc.last = text
        status = scen.final
        line = "postfix/%s[%d]: %s: to=<%s>, relay=%s, %s, dsn=%s, " \
            "status=%s (%s)" % (svc, pid, msg.qid, rc.addr, relay,
                                delays, scen.dsn, status, text)
        self.push(t, line)
        self.st_status[status] += 1
        self.count_class(scen)
        if status == "bounced":
            rc.done = True
            msg.bounced.append(rc)
            return False
        return True

    def sent(self, msg, rc, t, first, mx, mxip):
        r = self.r
        if rc.prov == "local":
            line = "postfix/lmtp[%d]: %s: to=<%s>, relay=%s, %s, " \
                "dsn=2.0.0, status=sent (250 2.0.0 <%s> %s Saved)" % (
                    self.pid("lmtp"), msg.qid, rc.addr,
                    self.relay(None, rc, mx, mxip),
                    self.delays(t, msg, first), rc.addr,
                    "%016x" % r.getrandbits(64))
        else:
            pid = self.pid("smtp")
            if r.random() < 0.35:
                self.push(t - 0.2, "postfix/smtp[%d]: %s TLS connection "
                          "established to %s[%s]:25: %s" % (
                              pid, "Trusted" if r.random() < 0.8
                              else "Untrusted", mx, mxip,
                              r.choice(TLS_CIPHERS)))
            if rc.prov in ("gmail",):
                resp = "250 2.0.0 OK  %d %s - gsmtp" % (
                    int(t), self.token("gmail"))
            elif rc.prov == "outlook":
                resp = "250 2.6.0 <%d.%x@%s> [InternalId=%d, Hostname=%s." \
                    "namprd%02d.prod.outlook.com] %d bytes in %.3f, " \
                    "%.3f KB/sec Queued mail for delivery" % (
                        int(msg.t0), r.getrandbits(40), msg.sdom,
                        r.getrandbits(40), self.token("outlook"),
                        r.randrange(1, 20), msg.size, r.random(),
                        msg.size / 1024.0 / (0.05 + r.random()))
            elif rc.prov == "qq":
                resp = "250 OK: queued as ."
            elif rc.prov == "netease":
                resp = "250 Mail OK queued as mx%d,%s %d" % (
                    r.randrange(1, 60), self.token("netease"), int(t))
            else:
                resp = "250 2.0.0 Ok: queued as %s" % self.qid(t)
            line = "postfix/smtp[%d]: %s: to=<%s>, relay=%s[%s]:25, %s, " \
                "dsn=2.0.0, status=sent (%s)" % (
                    pid, msg.qid, rc.addr, mx, mxip,
                    self.delays(t, msg, first), resp)
        self.push(t, line)
        self.st_status["sent"] += 1

    def notify(self, msg, t, what):
        """bounce(8) notice plus the delivery of the notice to the sender."""
        r = self.r
        nq = self.qid(t)
        self.push(t, "postfix/bounce[%d]: %s: sender %s notification: %s" % (
            self.pid("bounce"), msg.qid, what, nq))
        self.push(t + 0.001, "postfix/cleanup[%d]: %s: message-id=<%d.%x@"
                  "mail.%s>" % (self.pid("cleanup"), nq, int(t),
                                r.getrandbits(32), LOCAL_DOMAIN))
        self.push(t + 0.002, "postfix/qmgr[%d]: %s: from=<>, size=%d, "
                  "nrcpt=1 (queue active)" % (self.pid_qmgr, nq,
                                              2000 + r.randrange(4000)))
        self.push(t + 0.05, "postfix/lmtp[%d]: %s: to=<%s>, relay=mail.%s"
                  "[private/dovecot-lmtp], delay=0.05, delays=0.01/0/0.01/"
                  "0.03, dsn=2.0.0, status=sent (250 2.0.0 <%s> %016x Saved)"
                  % (self.pid("lmtp"), nq, msg.sender, LOCAL_DOMAIN,
                     msg.sender, r.getrandbits(64)))
        self.push(t + 0.06, "postfix/qmgr[%d]: %s: removed" % (self.pid_qmgr,
                                                               nq))
        self.st_status["sent"] += 1

    # ---------------------------------------------------------- noise
    def noise(self, t):
        r = self.r
        x = r.random()
        cip = self.rand_ip()
        if x < 0.35:
            pid = self.pid("smtpd")
            self.push(t, "postfix/smtpd[%d]: connect from unknown[%s]" % (
                pid, cip))
            what = r.choice(("CONNECT", "EHLO", "AUTH", "STARTTLS"))
            self.push(t + 0.4, "postfix/smtpd[%d]: lost connection after %s "
                      "from unknown[%s]" % (pid, what, cip))
            self.push(t + 0.41, "postfix/smtpd[%d]: disconnect from unknown"
                      "[%s] ehlo=1 auth=0/1 quit=1 commands=2/3" % (pid, cip)
                      if what == "AUTH" else
                      "postfix/smtpd[%d]: disconnect from unknown[%s] "
                      "commands=0/0" % (pid, cip))
        elif x < 0.55:
            pid = self.pid("smtpd")
            frm = "%s@%s" % (self.local_part(), self.corp[r.randrange(
                len(self.corp))][0])
            to = "%s@%s" % (r.choice(FIRST), LOCAL_DOMAIN)
            rej = r.choice(NOQUEUE_REJECTS).format(cip=cip, to=to, frm=frm)
            self.push(t, "postfix/smtpd[%d]: connect from unknown[%s]" % (
                pid, cip))
            self.push(t + 0.5, "postfix/smtpd[%d]: NOQUEUE: reject: RCPT from "
                      "unknown[%s]: %s; from=<%s> to=<%s> proto=ESMTP "
                      "helo=<%s>" % (pid, cip, rej, frm, to,
                                     r.choice(("User", "localhost",
                                               "[%s]" % cip, "mail.com"))))
            self.push(t + 0.9, "postfix/smtpd[%d]: disconnect from unknown"
                      "[%s] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4" % (
                          pid, cip))
        elif x < 0.70:
            pid = self.pid("submission/smtpd")
            self.push(t, "postfix/submission/smtpd[%d]: warning: unknown[%s]: "
                      "SASL LOGIN authentication failed: UGFzc3dvcmQ6" % (
                          pid, cip))
        elif x < 0.88:
            pid = self.pid("postscreen")
            port = r.randrange(1024, 65535)
            self.push(t, "postfix/postscreen[%d]: CONNECT from [%s]:%d to "
                      "[%s]:25" % (pid, cip, port, OUR_IPS[0]))
            if r.random() < 0.3:
                self.push(t + 0.2, "postfix/postscreen[%d]: DNSBL rank %d for "
                          "[%s]:%d" % (pid, r.randrange(2, 9), cip, port))
            self.push(t + 0.3, "postfix/postscreen[%d]: %s [%s]:%d" % (
                pid, r.choice(("PASS OLD", "PASS NEW", "DISCONNECT")),
                cip, port))
        elif x < 0.95:
            self.push(t, "postfix/anvil[%d]: statistics: max connection rate "
                      "%d/60s for (smtp:%s) at %s" % (
                          self.pid_anvil, r.randrange(1, 12), cip,
                          classic_ts(t + self.tzoff)))
        else:
            self.push(t, "postfix/scache[%d]: statistics: start interval %s"
                      % (self.pid_anvil + 1, classic_ts(t + self.tzoff)))

    # ---------------------------------------------------------- main loop
    def time_at(self, u):
        """Map u in [0,1) to an epoch time with the diurnal curve."""
        cum = self.hour_cum
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < u:
                lo = mid + 1
            else:
                hi = mid
        prev = cum[lo - 1] if lo else 0.0
        frac = (u - prev) / (self.hour_w[lo] or 1)
        frac = min(max(frac, 0.0), 0.999999)
        return self.a.start_epoch + (lo + frac) * 3600.0

    def run(self, out):
        r = self.r
        n = self.a.lines
        heap = self.heap
        buf = []
        emitted = 0
        nbytes = 0
        last_t = self.a.start_epoch
        while emitted < n:
            u = self.pushed / (n * 1.02)
            if u < 1.0:
                ta = max(last_t, self.time_at(u)) + r.random() * 0.05
                last_t = ta
                if r.random() < self.a.noise:
                    self.noise(ta + r.random())
                self.new_message(ta)
            else:
                ta = float("inf")
            while heap and heap[0][0] <= ta and emitted < n:
                t, _s, body = heapq.heappop(heap)
                if type(body) is Msg:
                    self.attempt(body, t, False)
                    continue
                self.now = t
                line = self.prefix(t) + body + "\n"
                buf.append(line)
                nbytes += len(line)
                emitted += 1
                if len(buf) >= 4096:
                    out.write("".join(buf))
                    buf = []
            if not heap and u >= 1.0:
                break
        out.write("".join(buf))
        self.emitted = emitted
        self.st_bytes = nbytes

    def stats(self, fp):
        n = self.emitted or 1
        fp.write("lines %d, bytes %d, %.1f bytes/line\n" % (
            self.emitted, self.st_bytes, self.st_bytes / n))
        tot = sum(self.st_status.values()) or 1
        fp.write("status lines: %d (%s)\n" % (tot, ", ".join(
            "%s %d = %.1f%%" % (k, v, 100.0 * v / tot)
            for k, v in self.st_status.items())))
        fail = self.st_status["deferred"] + self.st_status["bounced"] + \
            self.st_status["expired"]
        fp.write("deferred+bounced+expired: %.1f%% of status lines; "
                 "per-MX attempt lines %d; suspended repeats %d\n" % (
                     100.0 * fail / tot, self.st_attempts,
                     self.st_suspended))
        ctot = sum(self.st_class.values()) or 1
        fp.write("failure classes (deferred/bounced/expired lines):\n")
        for k, v in sorted(self.st_class.items(), key=lambda kv: -kv[1]):
            fp.write("  %-18s %8d  %5.1f%%\n" % (k, v, 100.0 * v / ctot))


def mx_ip(base, i):
    """The address of a domain's i-th MX: base for the first, neighbours
    of it for the others."""
    if i == 0:
        return base
    dot = base.rfind(".")
    return "%s%d" % (base[:dot + 1], (int(base[dot + 1:]) + 37 * i) % 254 + 1)


def classic_ts(t):
    tm = time.gmtime(t)
    return "%s %2d %02d:%02d:%02d" % (MONTHS[tm.tm_mon], tm.tm_mday,
                                      tm.tm_hour, tm.tm_min, tm.tm_sec)


def fmt_delay(x):
    if x < 10:
        return "%.2g" % x if x >= 0.01 else "0.01"
    return "%d" % x if x >= 100 else "%.1f" % x


def fmt_d(x):
    if x < 0.01:
        return "0" if x < 0.005 else "0.01"
    if x < 10:
        return "%.2g" % x
    return "%d" % x


def parse_tz(s):
    if s in ("Z", "z", "UTC"):
        return "+00:00", 0
    if len(s) != 6 or s[0] not in "+-" or s[3] != ":":
        raise argparse.ArgumentTypeError("--tz wants +HH:MM")
    sec = int(s[1:3]) * 3600 + int(s[4:6]) * 60
    return s, sec if s[0] == "+" else -sec


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Generate a deterministic realistic Postfix log.")
    p.add_argument("output", nargs="?", default="-",
                   help="output file, '-' for standard output (default)")
    p.add_argument("-n", "--lines", type=int, default=2000000,
                   help="number of lines (default 2000000)")
    p.add_argument("--seed", type=int, default=1, help="random seed")
    p.add_argument("--start", default="2026-11-02",
                   help="first day, YYYY-MM-DD[THH:MM:SS], UTC "
                   "(default 2026-11-02)")
    p.add_argument("--days", type=float, default=7.0,
                   help="days the log spans (default 7)")
    p.add_argument("--format", choices=("classic", "rfc3339"),
                   default="classic", help="timestamp format")
    p.add_argument("--tz", default="+00:00",
                   help="UTC offset of the log's local time, +HH:MM")
    p.add_argument("--hostname", default="mx-out1", help="syslog host field")
    p.add_argument("--queue-lifetime", type=float, default=86400.0,
                   help="seconds until a deferred message expires "
                   "(default 86400)")
    p.add_argument("--domains", type=int, default=3000,
                   help="number of generated corporate domains")
    p.add_argument("--noise", type=float, default=0.35,
                   help="chance of an smtpd/postscreen noise group per "
                   "message (default 0.35)")
    p.add_argument("--stats", action="store_true",
                   help="print the line and failure mix to stderr")
    a = p.parse_args(argv)
    if a.lines < 0 or a.days <= 0:
        p.error("-n must be >= 0 and --days > 0")
    try:
        fmt = "%Y-%m-%dT%H:%M:%S" if "T" in a.start else "%Y-%m-%d"
        a.start_epoch = calendar.timegm(time.strptime(a.start, fmt))
    except ValueError:
        p.error("--start wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
    try:
        a.tz, off = parse_tz(a.tz)
    except argparse.ArgumentTypeError as e:
        p.error(str(e))
    # the log shows local time: shift so that --start is local midnight
    a.tz_seconds = off
    a.start_epoch -= off
    g = Gen(a)
    if a.output == "-":
        out = sys.stdout
        g.run(out)
        out.flush()
    else:
        with open(a.output, "w", encoding="ascii", newline="\n",
                  buffering=1 << 20) as out:
            g.run(out)
        # like a real log, the file was last written with its last line
        # (bouncestat import infers the year of classic stamps from this)
        os.utime(a.output, (g.now, g.now))
    if a.stats:
        g.stats(sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
