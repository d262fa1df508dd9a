----------------------------- MODULE SharedStore -----------------------------
(***************************************************************************)
(* Several coordinators (hosts) over ONE atomic directory store, with a    *)
(* signal bus that may lose, duplicate, delay and reorder signals.         *)
(*                                                                         *)
(* - The store is Fencing's state; every store operation is one atomic     *)
(*   step whichever host issues it (one transaction / one Lua script).     *)
(* - Each agent runs on one host and keeps a client cache of what it read  *)
(*   (strategy lazy).  The cached copy of k is always version view[a][k]:  *)
(*   the store records ViewVersion exactly when the agent reads or writes. *)
(*   fresh[a][k] is the client's belief that its copy is current; it is    *)
(*   only a hint: a signal that never arrives leaves it TRUE while the     *)
(*   store has moved on.                                                   *)
(* - Each coordinator keeps known[h][k], the highest version of k that     *)
(*   host h has seen (from its agents' store calls and from signals).      *)
(* - The bus is a SET of in-flight signals: delivery order is arbitrary    *)
(*   (reordering), a delivered signal may stay in the set (duplication),   *)
(*   and any signal may be dropped (loss).                                 *)
(*                                                                         *)
(* The client bases its optimistic writes on its cached copy:              *)
(* expectedVersion = view[a][k].  Only the store's own checks guard the    *)
(* store.  Mutant TrustCache lets the coordinator check that expected      *)
(* version against its cached known[h][k] instead of the store's Version.  *)
(***************************************************************************)
EXTENDS Fencing

CONSTANT Hosts    \* coordinator hosts (model values, e.g. {h1, h2})

ASSUME Hosts # {} /\ Cardinality(Hosts) <= Cardinality(Agents)

\* The host each agent runs on: some fixed assignment that uses every host.
HostOf == CHOOSE f \in [Agents -> Hosts] : \A h \in Hosts : \E a \in Agents : f[a] = h

\* An invalidation signal {key, newVersion, issuer, kind} addressed to one
\* recipient; the issuer and kind play no part in safety and are left out.
Msgs == [to : Agents, key : Artifacts, ver : 1..MaxVersion]

VARIABLES
    fresh,   \* fresh[a][k]: a's client believes its cached copy of k is current
    known,   \* known[h][k]: the highest version of k coordinator h has seen
    bus      \* the in-flight signals, a subset of Msgs

sVars    == <<fresh, known, bus>>
sAllVars == <<fAllVars, sVars>>

Max(x, y) == IF x >= y THEN x ELSE y

SsTypeOK ==
    /\ FTypeOK
    /\ fresh \in [Agents -> [Artifacts -> BOOLEAN]]
    /\ known \in [Hosts -> [Artifacts -> 0..MaxVersion]]
    /\ bus \subseteq Msgs

SsInit ==
    /\ FInit
    /\ fresh = [a \in Agents |-> [k \in Artifacts |-> FALSE]]
    /\ known = [h \in Hosts |-> [k \in Artifacts |-> 0]]
    /\ bus   = {}

-----------------------------------------------------------------------------
(* Helpers for the client side of a store call. *)

\* The signals a write of a on the artifacts K sends: one per peer that was
\* not I (each such peer is invalidated by the write), carrying the new
\* version.  Evaluated on the state before the write; sent in the same step,
\* i.e. only once the whole write (or batch) has landed.
Signals(a, K) ==
    { m \in [to : Agents \ {a}, key : K, ver : {NewVersion(j) : j \in K}] :
          state[m.to][m.key] # "I" /\ m.ver = NewVersion(m.key) }

\* a's coordinator learns the versions vs[k] of the artifacts in K.
Learn(a, K, vs) ==
    known' = [h \in Hosts |-> [k \in Artifacts |->
                 IF h = HostOf[a] /\ k \in K THEN Max(known[h][k], vs[k])
                 ELSE known[h][k]]]

\* a's client marks its copies of the artifacts in K fresh (it just read or
\* wrote them).
Refresh(a, K) ==
    fresh' = [fresh EXCEPT ![a] = [k \in Artifacts |-> IF k \in K THEN TRUE ELSE fresh[a][k]]]

\* The version the CAS check compares the client's expected version against.
\* The store's own Version, always.  Mutant TrustCache: the coordinator's
\* cached version, and the store then writes without comparing.
CasVersionSource(a, k) ==
    IF Mutant = "TrustCache" THEN known[HostOf[a]][k] ELSE version[k]

-----------------------------------------------------------------------------
(* Client operations: each is one atomic store step plus the client's and  *)
(* coordinator's local bookkeeping.  A cache hit (fresh copy, no store      *)
(* call) changes nothing and is no step.                                    *)

\* Cache miss: fetch from the store.
Fetch(a, k) ==
    /\ ~fresh[a][k]
    /\ FRead(a, k)
    /\ Refresh(a, {k})
    /\ Learn(a, {k}, [j \in {k} |-> version[k]])
    /\ UNCHANGED bus

\* Optimistic write derived from the cached copy: expectedVersion = view[a][k].
ClientCas(a, k) ==
    /\ CasWrite(a, k, view[a][k], FALSE, CasVersionSource(a, k))
    /\ NoteWrite(a, {k})
    /\ Refresh(a, {k})
    /\ Learn(a, {k}, [j \in {k} |-> NewVersion(k)])
    /\ bus' = bus \cup Signals(a, {k})

\* Optimistic delete against the cached copy.
ClientDeleteCas(a, k) ==
    /\ CasWrite(a, k, view[a][k], TRUE, CasVersionSource(a, k))
    /\ NoteWrite(a, {k})
    /\ Refresh(a, {k})
    /\ Learn(a, {k}, [j \in {k} |-> NewVersion(k)])
    /\ bus' = bus \cup Signals(a, {k})

\* The CAS is refused with VersionConflict or StaleEpoch: the client learns
\* that its copy is stale and drops it (it must re-read).  The store is
\* unchanged; a StaleEpoch refusal is recorded in the ghost `refused`.
ClientCasRefused(a, k) ==
    LET r == CasCheckAt(a, k, view[a][k], CasVersionSource(a, k)) IN
    /\ r \in {"VersionConflict", "StaleEpoch"}
    /\ fresh' = [fresh EXCEPT ![a][k] = FALSE]
    /\ refused' = IF r = "StaleEpoch" THEN [refused EXCEPT ![a][k] = TRUE] ELSE refused
    /\ UNCHANGED <<occAllVars, staleWrites, zombieWrites, known, bus>>

\* Multi-artifact publish of the cached copies.
ClientCommitAll(a, K) ==
    LET exp == [j \in K |-> view[a][j]]
        W   == Winners(a, K, exp)
    IN
    /\ FCommitAll(a, K, exp)
    /\ Refresh(a, W)
    /\ Learn(a, W, [j \in W |-> NewVersion(j)])
    /\ bus' = bus \cup Signals(a, W)

\* Pessimistic path.
ClientAcquire(a, k) ==
    /\ FAcquire(a, k)
    /\ Learn(a, {k}, [j \in {k} |-> version[k]])
    /\ UNCHANGED <<fresh, bus>>

\* Acquire refused with StaleView: the client drops its copy.
ClientAcquireStale(a, k) ==
    /\ state[a][k] \notin Holding
    /\ ~OtherHolder(a, k)
    /\ ~(Absent(k) \/ ViewIsCurrent(a, k))
    /\ fresh[a][k]
    /\ fresh' = [fresh EXCEPT ![a][k] = FALSE]
    /\ UNCHANGED <<fAllVars, known, bus>>

ClientCommit(a, k) ==
    /\ FCommit(a, k)
    /\ Refresh(a, {k})
    /\ Learn(a, {k}, [j \in {k} |-> NewVersion(k)])
    /\ bus' = bus \cup Signals(a, {k})

ClientDelete(a, k) ==
    /\ FDelete(a, k)
    /\ Refresh(a, {k})
    /\ Learn(a, {k}, [j \in {k} |-> NewVersion(k)])
    /\ bus' = bus \cup Signals(a, {k})

ClientRelease(a, k) == FRelease(a, k) /\ UNCHANGED sVars

-----------------------------------------------------------------------------
(* The bus. *)

\* Deliver m to its recipient's coordinator and client.  Idempotent and safe
\* out of order: the client invalidates only if the signal is newer than its
\* copy, the coordinator keeps the highest version seen.  The signal is
\* consumed, or stays in flight to be delivered again (duplication).
Deliver(m) ==
    /\ m \in bus
    /\ bus' \in {bus \ {m}, bus}
    /\ fresh' = [fresh EXCEPT ![m.to][m.key] = @ /\ ~(m.ver > view[m.to][m.key])]
    /\ known' = [known EXCEPT ![HostOf[m.to]][m.key] = Max(@, m.ver)]
    /\ UNCHANGED fAllVars

\* The bus loses m.
Lose(m) ==
    /\ m \in bus
    /\ bus' = bus \ {m}
    /\ UNCHANGED <<fAllVars, fresh, known>>

-----------------------------------------------------------------------------

SsNext ==
    \/ (FTick /\ UNCHANGED sVars)
    \/ \E a \in Agents : (FHeartbeat(a) /\ UNCHANGED sVars)
    \/ \E k \in Artifacts : (FSweep(k) /\ UNCHANGED sVars)
    \/ \E a \in Agents, k \in Artifacts :
           \/ Fetch(a, k)
           \/ ClientCas(a, k)
           \/ ClientDeleteCas(a, k)
           \/ ClientCasRefused(a, k)
           \/ ClientAcquire(a, k)
           \/ ClientAcquireStale(a, k)
           \/ ClientCommit(a, k)
           \/ ClientDelete(a, k)
           \/ ClientRelease(a, k)
    \/ \E a \in Agents, K \in Batches : ClientCommitAll(a, K)
    \/ \E m \in bus :
           \/ Deliver(m)
           \/ Lose(m)

SsSpec == SsInit /\ [][SsNext]_sAllVars

-----------------------------------------------------------------------------
(* Invariants: every store invariant of the earlier specs (SingleWriter,    *)
(* MonotonicVersion, ViewCurrent, NoLostUpdate, NoStaleApply, ...) must     *)
(* hold whatever the bus does.  In addition:                                *)

\* A cached read may be stale, never ahead of the store; a signal never
\* announces a version the store has not committed.
CacheNeverAhead ==
    /\ \A a \in Agents, k \in Artifacts : view[a][k] <= version[k]
    /\ \A m \in bus : m.ver <= version[m.key]

\* Safety never depends on delivery: in every reachable state, whatever was
\* lost, duplicated, delayed or reordered, the store invariants hold and the
\* caches are at worst stale.
BusIndependence ==
    /\ SingleWriter
    /\ MonotonicVersion
    /\ ViewCurrent
    /\ NoLostUpdate
    /\ NoStaleApply
    /\ CacheNeverAhead

=============================================================================
