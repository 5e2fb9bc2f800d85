"""Synthetic demo data (``shakti-mis seed-demo``): a lead NGO working in South and North 24
Parganas, a partner NGO, an account for every role, and about 140 survivors with their cases
at every stage, consents, assessments, care plans, visits, notes and legal proceedings, each
on the day its story says over the two years up to the run;
referrals through a service directory at every status; leader groups with a year of meetings,
campaigns and duty-bearer meetings with their commitments, survivor leaders' identification
referrals and safety reports; self-help groups in federations with a year of weekly
collection sheets, loans and funds, at every grade; and partners in three more states in
onboarding, with advocacy actions, studies and media engagements.

Nothing here is real: names come from common-name lists, phones from a range no Indian
number uses, identity numbers start with 0, accounts use ``.example`` addresses, and the
organisations say "synthetic demo data" in their names.

Everything is written through the areas' services, acting as the demo's people (a social
worker registers her survivors and works her cases; the system creates organisations and
accounts), so encryption at rest, blind indexes, case numbers, history, audit and every
invariant hold exactly as for data entered through the API.

Adding an area (the interface)
------------------------------
Write ``seeds/<area>.py`` with ``async def seed_<area>(ctx: DemoContext) -> None`` and
add ``AreaSeeder("<area>", seed_<area>)`` to ``runner.SEEDERS`` before "lifecycle ends" (which
closes cases; a closed case takes no new work; an area that works on no case and cites the
others' counts, like expansion's advocacy evidence, goes after it). In it:

- act through your area's services with ``ctx.users[key].principal`` (keys in
  ``vocabulary.STAFF``: ``manager``, ``sw.s24p.1``..., ``leader.s24p``, ``partner.staff``...),
  or ``system_principal()`` where the API would use a platform admin;
- take random numbers only from ``rng = ctx.rng("<area>")``: each area has its own stream
  fixed by ``--seed``, so adding an area never changes the data of the others;
- build on what came before: ``ctx.organizations`` (``lead``, ``partner``, ``wcd``),
  ``ctx.survivors`` (``DemoSurvivor``: id, district, block, worker, age...), ``ctx.cases``
  (``DemoCase``: id, the stage it ends in, opened_on, worker...);
- write the story on its days: before each service call, ``ctx.at(day)`` moves the one
  clock (persistence/clock.py) to that business day, so that what the services date from it
  (case events, when a case closed or an application last moved, ``created_at``, audit
  events) follows the story; dates in bodies lie on or before that day (services refuse
  future dates). Work on a case lies between ``case.opened_on`` and ``case.until`` (the day
  before it closed, else today), after ``case.entered(stage)`` for work of a stage; the same
  seed gives the same story, ending on the day the run starts (``ctx.today``). What a seeder
  writes before its first ``ctx.at`` is dated today;
- texts about a survivor are written with placeholders (``{she}``, ``{her}``, ``{him}``...)
  and filled by ``told(text, survivor.sex)``: a boy's story says "he";
- count what you made in ``ctx.counts["<what>"]`` (the command prints the counts);
- never commit: the runner's one unit of work holds the whole run, so a failure leaves an
  empty database and a rerun can start again.

A second run finds the demo's lead organisation (a fixed id) and writes nothing.
"""
