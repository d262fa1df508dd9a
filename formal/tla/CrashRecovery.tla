---------------------------- MODULE CrashRecovery ----------------------------
(***************************************************************************)
(* Crash recovery on top of Coherence: heartbeats, an abstract bounded     *)
(* clock, the Sweep that reclaims a grant whose holder went silent         *)
(* (trigger "heartbeat") or held it too long (trigger "max_hold"), and the *)
(* ownership epoch: OwnerEpoch + 1 on every reclaim.                       *)
(*                                                                         *)
(* Read and Acquire capture ReadEpoch := OwnerEpoch; Commit is fenced by   *)
(* ReadEpoch = OwnerEpoch.  A crash is not an action: an agent that        *)
(* crashed simply stops taking steps (no heartbeat, no commit).  A zombie  *)
(* (paused, not dead) is an agent that takes steps again after its grant   *)
(* was reclaimed; every interleaving of that is covered because agents act *)
(* nondeterministically.                                                   *)
(***************************************************************************)
EXTENDS Coherence, Integers

CONSTANTS
    MaxTime,           \* model bound on the abstract clock
    MaxEpoch,          \* model bound on OwnerEpoch (number of reclaims per artifact)
    HeartbeatTimeout,  \* reclaim when now - lastHeartbeat >= HeartbeatTimeout
    MaxHold            \* reclaim when now - GrantedAt     >= MaxHold

ASSUME MaxTime \in Nat /\ MaxEpoch \in Nat
ASSUME HeartbeatTimeout \in Nat /\ HeartbeatTimeout >= 1
ASSUME MaxHold \in Nat /\ MaxHold >= 1

\* ReadEpoch is absent until the agent's first Read or Acquire of the artifact.
NoEpoch == -1

VARIABLES
    clock,       \* abstract "now" (TimeProvider), 0..MaxTime
    lastBeat,    \* lastBeat[a]: time of a's last heartbeat
    grantedAt,   \* grantedAt[a][k]: when a entered E/M on k (0 when not holding)
    epoch,       \* epoch[k]: OwnerEpoch of k
    readEpoch    \* readEpoch[a][k]: OwnerEpoch captured by a's last Read/Acquire of k

rVars     == <<clock, lastBeat, grantedAt, epoch, readEpoch>>
crAllVars == <<cVars, rVars>>

-----------------------------------------------------------------------------

CrTypeOK ==
    /\ TypeOK
    /\ clock     \in 0..MaxTime
    /\ lastBeat  \in [Agents -> 0..MaxTime]
    /\ grantedAt \in [Agents -> [Artifacts -> 0..MaxTime]]
    /\ epoch     \in [Artifacts -> 0..MaxEpoch]
    /\ readEpoch \in [Agents -> [Artifacts -> {NoEpoch} \cup 0..MaxEpoch]]

CrInit ==
    /\ Init
    /\ clock     = 0
    /\ lastBeat  = [a \in Agents |-> 0]
    /\ grantedAt = [a \in Agents |-> [k \in Artifacts |-> 0]]
    /\ epoch     = [k \in Artifacts |-> 0]
    /\ readEpoch = [a \in Agents |-> [k \in Artifacts |-> NoEpoch]]

-----------------------------------------------------------------------------
(* Fences. *)

\* a's ReadEpoch on k is present and behind OwnerEpoch: a grant of k was
\* reclaimed since a last read or acquired k.
StaleReader(a, k) == readEpoch[a][k] # NoEpoch /\ readEpoch[a][k] < epoch[k]

\* The fence on Commit (and Delete) under a grant: ReadEpoch = OwnerEpoch.
\* Mutant NoFence removes it (and, in Occ, the StaleEpoch check of CommitCas).
CommitFence(a, k) == Mutant = "NoFence" \/ readEpoch[a][k] = epoch[k]

\* ReadEpoch after a's Read of k.  Sticky fence rule: only a's own Read or
\* Acquire writes a's ReadEpoch.  Mutant PeerReadRearms writes the current
\* epoch into EVERY agent's ReadEpoch of k (as an implementation keeping one
\* ReadEpoch per artifact instead of one per holder entry would).
ReadEpochAfterRead(a, k) ==
    IF Mutant = "PeerReadRearms"
    THEN [b \in Agents |-> [j \in Artifacts |->
              IF j = k THEN epoch[k] ELSE readEpoch[b][j]]]
    ELSE [readEpoch EXCEPT ![a][k] = epoch[k]]

-----------------------------------------------------------------------------
(* The Coherence operations with their crash-recovery bookkeeping. *)

CrRead(a, k) ==
    /\ Read(a, k)
    /\ readEpoch' = ReadEpochAfterRead(a, k)
    /\ UNCHANGED <<clock, lastBeat, grantedAt, epoch>>

CrAcquire(a, k) ==
    /\ Acquire(a, k)
    /\ readEpoch' = [readEpoch EXCEPT ![a][k] = epoch[k]]
    /\ grantedAt' = [grantedAt EXCEPT ![a][k] = clock]
    /\ UNCHANGED <<clock, lastBeat, epoch>>

CrCommit(a, k) ==
    /\ Commit(a, k)
    /\ CommitFence(a, k)
    /\ UNCHANGED rVars

CrDelete(a, k) ==
    /\ Delete(a, k)
    /\ CommitFence(a, k)
    /\ UNCHANGED rVars

\* GrantedAt only matters while holding; resetting it keeps the state space small.
CrRelease(a, k) ==
    /\ Release(a, k)
    /\ grantedAt' = [grantedAt EXCEPT ![a][k] = 0]
    /\ UNCHANGED <<clock, lastBeat, epoch, readEpoch>>

-----------------------------------------------------------------------------
(* Time, heartbeats and the sweep. *)

Tick ==
    /\ clock < MaxTime
    /\ clock' = clock + 1
    /\ UNCHANGED <<cVars, lastBeat, grantedAt, epoch, readEpoch>>

\* Records now (a monotonic max: now never runs backwards).
Heartbeat(a) ==
    /\ lastBeat[a] < clock
    /\ lastBeat' = [lastBeat EXCEPT ![a] = clock]
    /\ UNCHANGED <<cVars, clock, grantedAt, epoch, readEpoch>>

\* Why the sweep may reclaim h's grant of k now ("none": it may not).
Trigger(h, k) ==
    IF clock - lastBeat[h] >= HeartbeatTimeout THEN "heartbeat"
    ELSE IF clock - grantedAt[h][k] >= MaxHold THEN "max_hold"
    ELSE "none"

\* Reclaim h's grant of k: h -> I, OwnerEpoch + 1.  Readers keep their S.
\* Mutant ReclaimKeepsGrant bumps the epoch but leaves h in E/M.
Reclaim(h, k) ==
    /\ state[h][k] \in Holding
    /\ Trigger(h, k) # "none"
    /\ epoch[k] < MaxEpoch                           \* model bound only
    /\ state' = [state EXCEPT ![h][k] =
                    IF Mutant = "ReclaimKeepsGrant" THEN @ ELSE "I"]
    /\ epoch' = [epoch EXCEPT ![k] = @ + 1]
    /\ grantedAt' = [grantedAt EXCEPT ![h][k] = 0]
    /\ UNCHANGED <<version, tomb, view, basis, prevVersion, clock, lastBeat, readEpoch>>

\* Sweep(now) is atomic per artifact and idempotent: once reclaimed the holder
\* is I, so a second sweep of the same artifact (from any host) finds nothing.
Sweep(k) == \E h \in Agents : Reclaim(h, k)

CrNext ==
    \/ Tick
    \/ \E a \in Agents : Heartbeat(a)
    \/ \E k \in Artifacts : Sweep(k)
    \/ \E a \in Agents, k \in Artifacts :
           \/ CrRead(a, k)
           \/ CrAcquire(a, k)
           \/ CrCommit(a, k)
           \/ CrDelete(a, k)
           \/ CrRelease(a, k)

CrSpec == CrInit /\ [][CrNext]_crAllVars

-----------------------------------------------------------------------------
(* Invariants (besides SingleWriter, MonotonicVersion, ViewCurrent and      *)
(* NoLostUpdate from Coherence, which must survive reclaims).              *)

\* A grant holder's ReadEpoch is the current OwnerEpoch: a reclaim bumps the
\* epoch only together with taking the grant away.  (This is why the fence on
\* plain Commit is defence in depth: the NotOwner check already stops a
\* reclaimed holder; the fence that matters is CommitCas's, see Fencing.)
GrantEpochCurrent ==
    \A a \in Agents, k \in Artifacts :
        state[a][k] \in Holding => readEpoch[a][k] = epoch[k]

\* OwnerEpoch never decreases (action property, PROPERTY in the configs).
EpochNeverDecreases ==
    [][\A k \in Artifacts : epoch'[k] >= epoch[k]]_epoch

=============================================================================
