------------------------------- MODULE Retries -------------------------------
(***************************************************************************)
(* Lost replies and retries with operation ids, on top of Fencing          *)
(* (PROTOCOL.md, "Faults: lost replies, retries, and the client").         *)
(*                                                                         *)
(* Every write (Acquire, Release, Commit, Delete, CommitCas, DeleteCas,    *)
(* CommitAll) carries an operation id chosen by the client.  The store     *)
(* records, per agent, the ids it applied with their results, in the same  *)
(* atomic step as the write (here: the latest one, see Records).  A call   *)
(* (first attempt or retry):                                               *)
(*   - id already applied  -> the recorded result, nothing applied         *)
(*   - id never applied    -> checked against the current state, exactly   *)
(*                            as in Fencing: it lands (and is recorded) or *)
(*                            is refused (and nothing is recorded)         *)
(* The request may be lost before it reaches the store, and the reply may  *)
(* be lost after the store step.  A client whose reply was lost does not   *)
(* know the outcome: it retries with the SAME id, any number of times,     *)
(* while other agents act and sweeps reclaim.  Resolution has no side      *)
(* effects: the client never reads to find out what happened.              *)
(*                                                                         *)
(* The client is sequential: while a call is unresolved (pending) its      *)
(* agent takes no other store step (no read, no other write), as a client  *)
(* awaiting its call.  Reads carry no id (they are not writes).            *)
(*                                                                         *)
(* Mutants: NoDedup (a retry is checked against the current state even     *)
(* when its id was applied) and ResolveByRead (the old client: an unknown  *)
(* outcome is resolved by a Read, which re-arms the fence, then a retry).  *)
(***************************************************************************)
EXTENDS Fencing

CONSTANTS
    MaxOps,   \* model bound: the operation ids of each agent are 1..MaxOps
    OpKinds   \* model bound: the kinds of write the clients issue (a subset of Kinds)

OpIds == 1..MaxOps

\* The kinds of write, and those of them that produce a version.
Kinds      == {"Acquire", "Release", "Commit", "Delete", "CommitCas", "DeleteCas", "CommitAll"}
WriteKinds == {"Commit", "Delete", "CommitCas", "DeleteCas", "CommitAll"}
CasKinds   == {"CommitCas", "DeleteCas", "CommitAll"}

ASSUME MaxOps \in Nat /\ MaxOps >= 1
ASSUME OpKinds \subseteq Kinds /\ OpKinds # {}

\* An operation: its id, kind and artifacts; exp[k] the expected version of a
\* CAS member (0 elsewhere); rEp[k] (ghost, for NoStaleApply) the ReadEpoch of
\* k the client had when it issued a write, i.e. the epoch its content was
\* derived under (NoEpoch for Acquire/Release and outside keys).
Ops == [id : OpIds, kind : Kinds, keys : SUBSET Artifacts,
        exp : [Artifacts -> 0..MaxVersion],
        rEp : [Artifacts -> {NoEpoch} \cup 0..MaxEpoch]]

NoPending == [id |-> 0, kind |-> "none", keys |-> {},
              exp |-> [j \in Artifacts |-> 0],
              rEp |-> [j \in Artifacts |-> NoEpoch]]

\* A result: ok, and for an applied operation the version of each of its
\* artifacts after it (0 elsewhere).  NoResult: "not applied", and the reply to
\* a refused call (its reason plays no part here).
Results  == [ok : {TRUE}, vers : [Artifacts -> 0..MaxVersion]]
NoResult == [ok |-> FALSE, vers |-> [j \in Artifacts |-> 0]]

\* The store's record of an agent's latest applied operation (id 0: none).
\* PROTOCOL keeps "the last operation ids"; a client with one call in flight
\* only ever retries its latest id, so a window of one is enough here, and it
\* is the weakest store that is still correct for such a client.
Records  == [id : OpIds, res : Results]
NoRecord == [id |-> 0, res |-> NoResult]

VARIABLES
    nextOp,         \* nextOp[a]: the next fresh operation id of a's client
    pending,        \* pending[a]: a's unresolved call (NoPending when none)
    applied,        \* applied[a]: the store's record of a's latest applied
                    \*   operation, its id and result (NoRecord: none yet)
    doubleWrites,   \* history: the pairs <<a, i>> such that operation i of a
                    \*   landed a version although it had already been applied
    wrongReplies,   \* history: the pairs <<a, i>> such that a's client got a
                    \*   reply for i that disagrees with the store's record
                    \*   (an error for a write that landed, or another result)
    fencedOps,      \* ghost: the pairs <<a, i>> such that a call of the still
                    \*   unresolved operation i of a was refused with StaleEpoch
    zombieOpWrites  \* history: the pairs <<a, i>> such that operation i of a
                    \*   landed after a call of it had been refused with StaleEpoch

rtVars    == <<nextOp, pending, applied, doubleWrites, wrongReplies, fencedOps, zombieOpWrites>>
rtAllVars == <<fAllVars, rtVars>>

RtTypeOK ==
    /\ FTypeOK
    /\ nextOp         \in [Agents -> 1..(MaxOps + 1)]
    /\ pending        \in [Agents -> Ops \cup {NoPending}]
    /\ applied        \in [Agents -> Records \cup {NoRecord}]
    /\ doubleWrites   \subseteq (Agents \X OpIds)
    /\ wrongReplies   \subseteq (Agents \X OpIds)
    /\ fencedOps      \subseteq (Agents \X OpIds)
    /\ zombieOpWrites \subseteq (Agents \X OpIds)

RtInit ==
    /\ FInit
    /\ nextOp         = [a \in Agents |-> 1]
    /\ pending        = [a \in Agents |-> NoPending]
    /\ applied        = [a \in Agents |-> NoRecord]
    /\ doubleWrites   = {}
    /\ wrongReplies   = {}
    /\ fencedOps      = {}
    /\ zombieOpWrites = {}

-----------------------------------------------------------------------------
(* The client side: the operations a client may issue.                     *)

\* The operation of the given kind on the artifacts K that a's client issues
\* with its next fresh id.  Its expected versions come from its view (the
\* client derived its content from what it last observed; Occ already checks
\* the store against any expected version).
MkOp(a, kind, K) ==
    [id   |-> nextOp[a],
     kind |-> kind,
     keys |-> K,
     exp  |-> [j \in Artifacts |-> IF j \in K /\ kind \in CasKinds THEN view[a][j] ELSE 0],
     rEp  |-> [j \in Artifacts |-> IF j \in K /\ kind \in WriteKinds THEN readEpoch[a][j] ELSE NoEpoch]]

NewOps(a) ==
    {MkOp(a, kind, {k}) : kind \in OpKinds \ {"CommitAll"}, k \in Artifacts}
    \cup {MkOp(a, "CommitAll", K) : K \in IF "CommitAll" \in OpKinds THEN Batches ELSE {}}

\* The artifact of a single-artifact operation.
OpKey(o) == CHOOSE k \in o.keys : TRUE

-----------------------------------------------------------------------------
(* The store side of a call whose id was never applied: the checks of      *)
(* the earlier specs, in PROTOCOL order, against the current state.        *)
(* "Bound" is the model bound (no step at all), not a refusal.             *)

CasOutcome(a, k, e) ==
    IF CasCheck(a, k, e) # "ok" THEN CasCheck(a, k, e)
    ELSE IF version[k] >= MaxVersion THEN "Bound"     \* model bound only
    ELSE "ok"

\* A reclaimed zombie's grant commit is refused StaleEpoch before NotOwner,
\* as PROTOCOL.md and CoherenceRules say.
GrantOutcome(a, k) ==
    IF StaleReader(a, k) /\ Mutant # "NoFence" THEN "StaleEpoch"
    ELSE IF state[a][k] \notin Holding THEN "NotOwner"
    ELSE IF ~CommitFence(a, k) THEN "StaleEpoch"
    ELSE IF version[k] >= MaxVersion THEN "Bound"     \* model bound only
    ELSE "ok"

Outcome(a, o) ==
    LET k == OpKey(o) IN
    CASE o.kind = "Acquire" ->
             IF OtherHolder(a, k) THEN "HeldByOther"
             ELSE IF state[a][k] \in Holding THEN "ok"  \* already holds: ok, nothing changes
             ELSE IF ~(Absent(k) \/ ViewIsCurrent(a, k)) THEN "StaleView"
             ELSE "ok"
      [] o.kind = "Release" ->
             IF state[a][k] \in Holding THEN "ok" ELSE "NotOwner"
      [] o.kind = "Commit" -> GrantOutcome(a, k)
      [] o.kind = "Delete" ->
             IF ~Exists(k) THEN "NotFound" ELSE GrantOutcome(a, k)
      [] o.kind = "CommitCas" -> CasOutcome(a, k, o.exp[k])
      [] o.kind = "DeleteCas" ->
             IF ~Exists(k) THEN "NotFound" ELSE CasOutcome(a, k, o.exp[k])
      [] o.kind = "CommitAll" ->
             IF \E j \in o.keys : CasCheck(a, j, o.exp[j]) = "StaleEpoch" THEN "StaleEpoch"
             ELSE IF \E j \in o.keys : CasCheck(a, j, o.exp[j]) # "ok" THEN "Conflict"
             ELSE IF \E j \in o.keys : version[j] >= MaxVersion THEN "Bound"  \* model bound only
             ELSE "ok"
      [] OTHER -> "Invalid"

\* The result recorded (and replied) when o lands now.
LandResult(a, o) ==
    [ok   |-> TRUE,
     vers |-> [j \in Artifacts |->
                  IF j \notin o.keys THEN 0
                  ELSE IF o.kind \in WriteKinds THEN NewVersion(j)
                  ELSE version[j]]]

\* Ghost bookkeeping of a write that lands.  NoStaleApply, read per operation:
\* the write is stale when the agent's ReadEpoch is behind OwnerEpoch now, or
\* was when the client issued it (the content was derived before a reclaim).
\* Nothing re-arms an agent's fence while its call is pending, so in the
\* protocol the two coincide; the ResolveByRead mutant separates them.
DerivedStale(o, j) == o.rEp[j] # NoEpoch /\ o.rEp[j] < epoch[j]

NoteOpWrite(a, o) ==
    /\ staleWrites'  = staleWrites \cup
                           {<<a, j>> : j \in {i \in o.keys : StaleReader(a, i) \/ DerivedStale(o, i)}}
    /\ zombieWrites' = zombieWrites \cup {<<a, j>> : j \in {i \in o.keys : refused[a][i]}}
    /\ UNCHANGED refused

\* The store step of an operation that lands: the action of the earlier
\* specs, which re-checks its own guards.
LandStore(a, o) ==
    LET k == OpKey(o) IN
    IF o.kind = "Acquire" THEN
        IF state[a][k] \in Holding THEN UNCHANGED fAllVars ELSE FAcquire(a, k)
    ELSE IF o.kind = "Release"   THEN FRelease(a, k)
    ELSE IF o.kind = "Commit"    THEN CrCommit(a, k) /\ UNCHANGED tornBatches /\ NoteOpWrite(a, o)
    ELSE IF o.kind = "Delete"    THEN CrDelete(a, k) /\ UNCHANGED tornBatches /\ NoteOpWrite(a, o)
    ELSE IF o.kind = "CommitCas" THEN CommitCas(a, k, o.exp[k]) /\ NoteOpWrite(a, o)
    ELSE IF o.kind = "DeleteCas" THEN DeleteCas(a, k, o.exp[k]) /\ NoteOpWrite(a, o)
    ELSE CommitAll(a, o.keys, o.exp) /\ NoteOpWrite(a, o)

-----------------------------------------------------------------------------
(* One call of operation o by agent a: one atomic store step.              *)

\* The store's record of operation o of a (NoResult: never applied).
Recorded(a, o) == IF applied[a].id = o.id THEN applied[a].res ELSE NoResult

\* The id was applied before: the store returns the recorded result.
\* Mutant NoDedup ignores the record and checks the call again.
Deduped(a, o) == Mutant # "NoDedup" /\ Recorded(a, o) # NoResult

\* Applied before: nothing changes in the store.
Replay(a, o) ==
    /\ Deduped(a, o)
    /\ UNCHANGED <<fAllVars, applied, doubleWrites, zombieOpWrites>>

\* Never applied, and the checks pass: it lands, and the id and its result are
\* recorded in the same step.
Apply(a, o) ==
    /\ ~Deduped(a, o)
    /\ Outcome(a, o) = "ok"
    /\ LandStore(a, o)
    /\ applied' = [applied EXCEPT ![a] = [id |-> o.id, res |-> LandResult(a, o)]]
    /\ doubleWrites' =
           IF o.kind \in WriteKinds /\ Recorded(a, o) # NoResult
           THEN doubleWrites \cup {<<a, o.id>>} ELSE doubleWrites
    /\ zombieOpWrites' =
           IF <<a, o.id>> \in fencedOps
           THEN zombieOpWrites \cup {<<a, o.id>>} ELSE zombieOpWrites

\* Never applied, and refused: the store changes nothing and records nothing.
\* A StaleEpoch refusal marks the agent refused (Fencing's sticky ghost) on
\* every artifact of the operation whose fence it failed.
Refuse(a, o) ==
    /\ ~Deduped(a, o)
    /\ Outcome(a, o) \notin {"ok", "Bound"}
    /\ refused' =
           IF Outcome(a, o) = "StaleEpoch"
           THEN [b \in Agents |-> [j \in Artifacts |->
                    IF b = a /\ j \in o.keys /\ StaleReader(a, j) THEN TRUE ELSE refused[b][j]]]
           ELSE refused
    /\ UNCHANGED <<occAllVars, staleWrites, zombieWrites, applied, doubleWrites, zombieOpWrites>>

Call(a, o) == Replay(a, o) \/ Apply(a, o) \/ Refuse(a, o)

\* What the store answers, evaluated on the state before the call.
Reply(a, o) ==
    IF Deduped(a, o) THEN Recorded(a, o)
    ELSE IF Outcome(a, o) = "ok" THEN LandResult(a, o)
    ELSE NoResult

\* The store's record of o after the call.
RecordAfter(a, o) ==
    IF ~Deduped(a, o) /\ Outcome(a, o) = "ok" THEN LandResult(a, o) ELSE Recorded(a, o)

\* The client's side of the call: the reply arrives (the call is over), or it
\* is lost (the outcome is unknown; the call stays pending and is retried).
Answer(a, o) ==
    LET rec == RecordAfter(a, o)
        r   == Reply(a, o)
    IN
    \/ /\ pending' = [pending EXCEPT ![a] = NoPending]
       /\ wrongReplies' =
              IF (IF rec = NoResult THEN r.ok ELSE r # rec)
              THEN wrongReplies \cup {<<a, o.id>>} ELSE wrongReplies
       /\ fencedOps' = fencedOps \ {<<a, o.id>>}
    \/ /\ pending' = [pending EXCEPT ![a] = o]
       /\ fencedOps' =
              IF ~Deduped(a, o) /\ Outcome(a, o) = "StaleEpoch"
              THEN fencedOps \cup {<<a, o.id>>} ELSE fencedOps
       /\ UNCHANGED wrongReplies

\* The first attempt of a new operation with a fresh id.  The request may be
\* lost before it reaches the store (nothing happens, the call is pending).
Send(a, o) ==
    /\ pending[a] = NoPending
    /\ nextOp[a] <= MaxOps                           \* model bound only
    /\ nextOp' = [nextOp EXCEPT ![a] = @ + 1]
    /\ \/ /\ pending' = [pending EXCEPT ![a] = o]
          /\ UNCHANGED <<fAllVars, applied, doubleWrites, wrongReplies, fencedOps, zombieOpWrites>>
       \/ Call(a, o) /\ Answer(a, o)

\* A retry of the pending operation with the same id.  (A retry whose request
\* is lost changes nothing: a stuttering step, left out.)
Retry(a) ==
    /\ pending[a] # NoPending
    /\ Call(a, pending[a])
    /\ Answer(a, pending[a])
    /\ UNCHANGED nextOp

\* Reads carry no id; a client with a pending call does not read.
RtRead(a, k) ==
    /\ pending[a] = NoPending
    /\ FRead(a, k)
    /\ UNCHANGED rtVars

\* Mutant ResolveByRead: the old client resolved an unknown outcome by reading
\* the artifact (which registers a read and re-arms its fence) and then
\* retrying when its write did not show.
ResolveRead(a, k) ==
    /\ Mutant = "ResolveByRead"
    /\ pending[a] # NoPending
    /\ k \in pending[a].keys
    /\ FRead(a, k)
    /\ UNCHANGED rtVars

RtNext ==
    \/ FTick /\ UNCHANGED rtVars
    \/ \E a \in Agents : FHeartbeat(a) /\ UNCHANGED rtVars
    \/ \E k \in Artifacts : FSweep(k) /\ UNCHANGED rtVars
    \/ \E a \in Agents, k \in Artifacts : RtRead(a, k) \/ ResolveRead(a, k)
    \/ \E a \in Agents : \E o \in NewOps(a) : Send(a, o)
    \/ \E a \in Agents : Retry(a)

RtSpec == RtInit /\ [][RtNext]_rtAllVars

-----------------------------------------------------------------------------
(* Invariants (besides every invariant of Fencing, which must hold through *)
(* lost replies and retries; NoStaleApply read per operation, see above).  *)

\* Exactly once: no operation id lands a version twice.
NoDoubleApply == doubleWrites = {}

\* Landed means landed: every reply a client gets agrees with the store's
\* record: an applied operation is answered with its recorded result (ok,
\* and the versions it produced), whatever was lost and retried; a refusal
\* is only ever the answer for an operation that was not applied.
LandedMeansLanded == wrongReplies = {}

\* A zombie stays fenced through lost replies: once a call of an operation
\* was refused with StaleEpoch, no retry of that operation ever lands.
RefusedOpNeverLands == zombieOpWrites = {}

=============================================================================
