------------------------------- MODULE Fencing -------------------------------
(***************************************************************************)
(* The epoch fence and the sticky fence rule, on top of Occ.               *)
(*                                                                         *)
(* A zombie is an agent whose grant was reclaimed (OwnerEpoch moved past   *)
(* its ReadEpoch) and that keeps acting.  Its plain Commit is refused with *)
(* NotOwner (it is I now); its CommitCas with the current expectedVersion  *)
(* would pass the version check, so the StaleEpoch fence is what stops it. *)
(*                                                                         *)
(* Sticky fence rule: an agent's ReadEpoch is written only by that agent's *)
(* own Read or Acquire (CrRead / CrAcquire).  Nothing a peer does, nor a   *)
(* sweep, re-arms it.  So once a zombie's commit is refused with           *)
(* StaleEpoch it stays refused until the zombie itself re-reads.           *)
(*                                                                         *)
(* This module adds no protocol state, only ghost/history variables that   *)
(* let the invariants talk about what happened at commit time.             *)
(***************************************************************************)
EXTENDS Occ

VARIABLES
    refused,       \* ghost: refused[a][k] = TRUE from the moment a CommitCas of a
                   \*   on k is refused with StaleEpoch until a's own Read or
                   \*   Acquire of k
    staleWrites,   \* history: the pairs <<a, k>> such that a write of a on k
                   \*   landed while a's ReadEpoch of k was behind OwnerEpoch
    zombieWrites   \* history: the pairs <<a, k>> such that a write of a on k
                   \*   landed while refused[a][k] was TRUE

fVars     == <<refused, staleWrites, zombieWrites>>
fAllVars  == <<occAllVars, fVars>>

FTypeOK ==
    /\ OccTypeOK
    /\ refused      \in [Agents -> [Artifacts -> BOOLEAN]]
    /\ staleWrites  \subseteq (Agents \X Artifacts)
    /\ zombieWrites \subseteq (Agents \X Artifacts)

FInit ==
    /\ OccInit
    /\ refused      = [a \in Agents |-> [k \in Artifacts |-> FALSE]]
    /\ staleWrites  = {}
    /\ zombieWrites = {}

-----------------------------------------------------------------------------

\* Ghost bookkeeping for a write of agent a that lands on the artifacts in K,
\* evaluated on the state before the write.
NoteWrite(a, K) ==
    /\ staleWrites'  = staleWrites  \cup {<<a, k>> : k \in {j \in K : StaleReader(a, j)}}
    /\ zombieWrites' = zombieWrites \cup {<<a, k>> : k \in {j \in K : refused[a][j]}}
    /\ UNCHANGED refused

\* a's own Read or Acquire of k re-arms a's fence, and only a's.
ClearRefusal(a, k) ==
    /\ refused' = [refused EXCEPT ![a][k] = FALSE]
    /\ UNCHANGED <<staleWrites, zombieWrites>>

FRead(a, k)    == CrRead(a, k)    /\ ClearRefusal(a, k) /\ UNCHANGED tornBatches
FAcquire(a, k) == CrAcquire(a, k) /\ ClearRefusal(a, k) /\ UNCHANGED tornBatches
FCommit(a, k)  == CrCommit(a, k)  /\ NoteWrite(a, {k})  /\ UNCHANGED tornBatches
FDelete(a, k)  == CrDelete(a, k)  /\ NoteWrite(a, {k})  /\ UNCHANGED tornBatches
FRelease(a, k) == CrRelease(a, k) /\ UNCHANGED <<tornBatches, fVars>>

FCommitCas(a, k, e) == CommitCas(a, k, e) /\ NoteWrite(a, {k})
FDeleteCas(a, k, e) == DeleteCas(a, k, e) /\ NoteWrite(a, {k})

FCommitAll(a, K, exp) == CommitAll(a, K, exp) /\ NoteWrite(a, Winners(a, K, exp))

\* A CommitCas refused with StaleEpoch: the store changes nothing, only the
\* ghost records the refusal.  (A plain Commit of a zombie is refused with
\* NotOwner first, since the reclaim made it I.)
RefuseStale(a, k, e) ==
    /\ CasCheck(a, k, e) = "StaleEpoch"
    /\ ~refused[a][k]
    /\ refused' = [refused EXCEPT ![a][k] = TRUE]
    /\ UNCHANGED <<occAllVars, staleWrites, zombieWrites>>

FTick         == Tick         /\ UNCHANGED <<tornBatches, fVars>>
FHeartbeat(a) == Heartbeat(a) /\ UNCHANGED <<tornBatches, fVars>>
FSweep(k)     == Sweep(k)     /\ UNCHANGED <<tornBatches, fVars>>

FNext ==
    \/ FTick
    \/ \E a \in Agents : FHeartbeat(a)
    \/ \E k \in Artifacts : FSweep(k)
    \/ \E a \in Agents, k \in Artifacts :
           \/ FRead(a, k)
           \/ FAcquire(a, k)
           \/ FCommit(a, k)
           \/ FDelete(a, k)
           \/ FRelease(a, k)
    \/ \E a \in Agents, k \in Artifacts, e \in 0..MaxVersion :
           \/ FCommitCas(a, k, e)
           \/ FDeleteCas(a, k, e)
           \/ RefuseStale(a, k, e)
    \/ \E a \in Agents, K \in Batches :
           \E exp \in [K -> 0..MaxVersion] : FCommitAll(a, K, exp)

FSpec == FInit /\ [][FNext]_fAllVars

-----------------------------------------------------------------------------
(* Invariants. *)

\* No write ever lands from an agent whose ReadEpoch < OwnerEpoch.
NoStaleApply == staleWrites = {}

\* Sticky refusal: a refused agent stays fenced (its ReadEpoch is still behind
\* OwnerEpoch) until its own Read or Acquire clears the refusal.  A peer's
\* read, a peer's commit or a sweep cannot re-arm it.
StickyRefusal ==
    \A a \in Agents, k \in Artifacts : refused[a][k] => StaleReader(a, k)

\* A refused agent never commits: no write lands from a while refused[a][k].
RefusedNeverCommits == zombieWrites = {}

=============================================================================
