------------------------------ MODULE Coherence ------------------------------
(***************************************************************************)
(* The core of the AgentCoherence protocol (shared/docs/PROTOCOL.md):      *)
(* the directory record of every artifact, the M/E/S/I holder states, and  *)
(* the operations Read, Acquire, Commit, Release and Delete.               *)
(*                                                                         *)
(* Every operation is ONE atomic step on the directory store, exactly as   *)
(* the protocol demands (a lock in memory, one transaction in SQLite, one  *)
(* Lua script in Redis), so every action below is a single TLA+ step.      *)
(*                                                                         *)
(* Refusals (HeldByOther, StaleView, NotOwner, ...) change nothing in the  *)
(* store, so they are not steps: a refused operation is simply an action   *)
(* that is not enabled.                                                    *)
(*                                                                         *)
(* Mutants: the CONSTANT Mutant names one deliberate bug ("none" = the     *)
(* protocol as written).  Each guard that a mutant removes is written      *)
(*     (Mutant # "Name" => Guard)                                          *)
(* so that the mutant configs in mutants/ can switch it off without        *)
(* editing this file.  See formal/README.md for the mutant table.          *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, TLC

CONSTANTS
    Agents,      \* agent ids (model values, e.g. {a1, a2})
    Artifacts,   \* artifact keys (model values, e.g. {k1})
    MaxVersion,  \* model bound: no write may take a version above this
    Mutant       \* "none", or the name of one deliberate bug (see KnownMutants)

\* Every mutant name used by this module and the modules extending it.  A typo
\* in a config must not silently check the unmutated protocol.
KnownMutants ==
    { "none",
      "NoHolderCheck",      \* Coherence: Acquire ignores another E/M holder
      "NoStaleViewCheck",   \* Coherence: Acquire ignores a stale view
      "RecreateFromOne",    \* Coherence: re-create after delete restarts at version 1
      "NoInvalidate",       \* Coherence: a commit leaves the peers' S/E/M alone
      "NoFence",            \* CrashRecovery/Occ: no epoch fence on any commit path
      "ReclaimKeepsGrant",  \* CrashRecovery: the sweep bumps the epoch but keeps E/M
      "NoVersionCheck",     \* Occ: CommitCas skips expectedVersion < Version
      "PartialCommitAll",   \* Occ: CommitAll lands the members that pass, drops the rest
      "PeerReadRearms",     \* CrashRecovery/Fencing: a read re-arms every agent's ReadEpoch
      "TrustCache",         \* SharedStore: the coordinator checks against its cached version
      "NoDedup",            \* Retries: a retry is checked again instead of returning the recorded result
      "ResolveByRead",      \* Retries: an unknown outcome is resolved by a Read (re-arms the fence), then a retry
      "ReplyAlwaysValid",   \* CacheFetch: a fetch reply is installed valid whatever was signalled meanwhile
      "DedupByVersion" }    \* CacheFetch: a reclaim signal at a version already seen is dropped, epoch ignored

ASSUME Agents # {} /\ Artifacts # {}
ASSUME MaxVersion \in Nat /\ MaxVersion >= 1
ASSUME Mutant \in KnownMutants

States  == {"M", "E", "S", "I"}
Holding == {"E", "M"}          \* the states that carry the write grant

VARIABLES
    version,      \* version[k]: the directory Version of k (0 = never existed)
    tomb,         \* tomb[k]: TRUE when the current version of k is a tombstone
    state,        \* state[a][k]: holder state of agent a on artifact k
    view,         \* view[a][k]: ViewVersion, the version a last observed of k
    basis,        \* ghost: basis[k] = the version the write that produced
                  \*   version[k] was derived from (NoLostUpdate)
    prevVersion   \* history: prevVersion[k] = the version k had just before
                  \*   its latest write (MonotonicVersion)

cVars == <<version, tomb, state, view, basis, prevVersion>>

-----------------------------------------------------------------------------
(* Type invariant and initial state. *)

TypeOK ==
    /\ version     \in [Artifacts -> 0..MaxVersion]
    /\ tomb        \in [Artifacts -> BOOLEAN]
    /\ state       \in [Agents -> [Artifacts -> States]]
    /\ view        \in [Agents -> [Artifacts -> 0..MaxVersion]]
    /\ basis       \in [Artifacts -> 0..MaxVersion]
    /\ prevVersion \in [Artifacts -> 0..MaxVersion]

Init ==
    /\ version     = [k \in Artifacts |-> 0]
    /\ tomb        = [k \in Artifacts |-> FALSE]
    /\ state       = [a \in Agents |-> [k \in Artifacts |-> "I"]]
    /\ view        = [a \in Agents |-> [k \in Artifacts |-> 0]]
    /\ basis       = [k \in Artifacts |-> 0]
    /\ prevVersion = [k \in Artifacts |-> 0]

-----------------------------------------------------------------------------
(* Helpers. *)

\* k has live content: it was created and its current version is no tombstone.
Exists(k) == version[k] > 0 /\ ~tomb[k]

\* k never existed, or its current version is a tombstone: creating it needs
\* no prior read.
Absent(k) == ~Exists(k)

\* Another agent holds the write grant on k (the HeldByOther refusal).
OtherHolder(a, k) == \E b \in Agents \ {a} : state[b][k] \in Holding

\* a's view of k is current (otherwise Acquire refuses with StaleView).
ViewIsCurrent(a, k) == state[a][k] # "I" /\ view[a][k] = version[k]

\* The version a write of k produces: always Version + 1, across delete and
\* re-create.  Mutant RecreateFromOne restarts a re-created artifact at 1 (ABA).
NewVersion(k) ==
    IF Mutant = "RecreateFromOne" /\ tomb[k] THEN 1 ELSE version[k] + 1

\* The effect shared by every successful write (Commit, Delete, CommitCas,
\* DeleteCas, CommitAll): writer a lands a new version of every artifact in
\* the set K, all in one atomic step.
\*   based[k] : the version the writer's content was derived from (ghost)
\*   del      : TRUE when the new versions are tombstones
\*   wst[k]   : the writer's state afterwards ("M" under a grant, else "S")
\* Every peer that was not I becomes I (it gets a signal: see SharedStore).
\* Mutant NoInvalidate leaves the peers' states alone.
Write(a, K, based, del, wst) ==
    /\ version' = [k \in Artifacts |-> IF k \in K THEN NewVersion(k) ELSE version[k]]
    /\ tomb'    = [k \in Artifacts |-> IF k \in K THEN del ELSE tomb[k]]
    /\ state'   = [b \in Agents |-> [k \in Artifacts |->
                      IF k \notin K THEN state[b][k]
                      ELSE IF b = a THEN wst[k]
                      ELSE IF Mutant = "NoInvalidate" THEN state[b][k]
                      ELSE "I"]]
    /\ view'    = [b \in Agents |-> [k \in Artifacts |->
                      IF b = a /\ k \in K THEN NewVersion(k) ELSE view[b][k]]]
    /\ basis'   = [k \in Artifacts |-> IF k \in K THEN based[k] ELSE basis[k]]
    /\ prevVersion' = [k \in Artifacts |-> IF k \in K THEN version[k] ELSE prevVersion[k]]

-----------------------------------------------------------------------------
(* The operations.  a is the calling agent, k the artifact. *)

\* Read: the reader becomes S (an E/M holder keeps E/M) and observes the
\* current version.  Reading version 0 (nothing committed yet) or a tombstone
\* gives a typed not-found that carries that version, and is registered like
\* any other read: the caller observed the absence at that version and can
\* create or re-create against it, and (CrashRecovery) the read re-arms its
\* own fence.  Without this a creator reclaimed before its first commit could
\* lift its fence only through Acquire; the implementation's exhaustive
\* explorer found that, and CoherenceRules.Read registers such reads.
Read(a, k) ==
    /\ state' = [state EXCEPT ![a][k] = IF @ \in Holding THEN @ ELSE "S"]
    /\ view'  = [view EXCEPT ![a][k] = version[k]]
    /\ UNCHANGED <<version, tomb, basis, prevVersion>>

\* Acquire: pessimistic write intent.  Preconditions in PROTOCOL order:
\* another E/M holder -> HeldByOther; a stale view -> StaleView, except when
\* creating (k never existed or is a tombstone), which needs no prior read.
\* Readers keep S until the commit.  When creating, the caller atomically
\* observes the absent/tombstone version, so its view becomes that version.
Acquire(a, k) ==
    /\ state[a][k] \notin Holding
    /\ (Mutant # "NoHolderCheck"    => ~OtherHolder(a, k))
    /\ (Mutant # "NoStaleViewCheck" => (Absent(k) \/ ViewIsCurrent(a, k)))
    /\ state' = [state EXCEPT ![a][k] = "E"]
    /\ view'  = IF Absent(k) THEN [view EXCEPT ![a][k] = version[k]] ELSE view
    /\ UNCHANGED <<version, tomb, basis, prevVersion>>

\* Commit under the grant (E or M, else NotOwner).  The content was derived
\* from the committer's view.  The epoch fence is added in CrashRecovery.
Commit(a, k) ==
    /\ state[a][k] \in Holding
    /\ version[k] < MaxVersion                       \* model bound only
    /\ Write(a, {k}, [j \in {k} |-> view[a][k]], FALSE, [j \in {k} |-> "M"])

\* Delete under the grant: a commit that produces a tombstone version.
Delete(a, k) ==
    /\ state[a][k] \in Holding
    /\ Exists(k)
    /\ version[k] < MaxVersion                       \* model bound only
    /\ Write(a, {k}, [j \in {k} |-> view[a][k]], TRUE, [j \in {k} |-> "M"])

\* Release: E/M -> S, the view is kept.
Release(a, k) ==
    /\ state[a][k] \in Holding
    /\ state' = [state EXCEPT ![a][k] = "S"]
    /\ UNCHANGED <<version, tomb, view, basis, prevVersion>>

Next ==
    \E a \in Agents, k \in Artifacts :
        \/ Read(a, k)
        \/ Acquire(a, k)
        \/ Commit(a, k)
        \/ Delete(a, k)
        \/ Release(a, k)

Spec == Init /\ [][Next]_cVars

-----------------------------------------------------------------------------
(* Invariants. *)

\* At most one agent in E or M per artifact.
SingleWriter ==
    \A k \in Artifacts : Cardinality({a \in Agents : state[a][k] \in Holding}) <= 1

\* The version never decreases, across delete and re-create: the latest write
\* never produced a version below the one it replaced.  (prevVersion is only
\* written by writes, so this is checked on every write; together with
\* VersionNeverDecreases below it also covers every other step.)
MonotonicVersion ==
    \A k \in Artifacts : version[k] >= prevVersion[k]

\* An agent in S, E or M has the current version in view.
ViewCurrent ==
    \A a \in Agents, k \in Artifacts :
        state[a][k] \in {"S", "E", "M"} => view[a][k] = version[k]

\* Every version was derived from the version it replaced: no write ever
\* landed on top of a version its author had not seen.
NoLostUpdate ==
    \A k \in Artifacts : version[k] > 0 => basis[k] = version[k] - 1

\* The same monotonicity as an action property (PROPERTY in the configs).
VersionNeverDecreases ==
    [][\A k \in Artifacts : version'[k] >= version[k]]_version

=============================================================================
