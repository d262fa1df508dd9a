------------------------------ MODULE CacheFetch ------------------------------
(***************************************************************************)
(* The two-step fetch and reclaim signals, on top of SharedStore           *)
(* (PROTOCOL.md, "Faults": "The cache never re-validates backwards").      *)
(*                                                                         *)
(* SharedStore's Fetch is one step: the store read and the client's cache  *)
(* update happen together.  In the implementation they do not: the store   *)
(* performs the Read atomically (FetchRequest: the read is registered, the *)
(* caller becomes S, its ReadEpoch is captured), and the reply installs    *)
(* the view in the client's cache later (FetchReply).  Signals for that    *)
(* key may be delivered in between.  A reply must not re-validate the      *)
(* cache backwards: a fetched view older than the highest version (or      *)
(* owner epoch) signalled for that key since the fetch began is stored     *)
(* invalid.                                                                *)
(*                                                                         *)
(* Reclaim signals: a reclaim sends one signal to the reclaimed holder,    *)
(* carrying the version and the NEW owner epoch.  They travel on their own *)
(* lossy bus `rbus` (commit signals stay on SharedStore's `bus`, whose     *)
(* version is all that orders them).  A client drops a signal it has       *)
(* already processed, or an older one: signals are identified by key,      *)
(* kind, version and owner epoch, so a second reclaim at the same version  *)
(* is not a duplicate.                                                     *)
(*                                                                         *)
(* A cached view is the pair (version, epoch): view[a][k], the version of  *)
(* the client's copy (SharedStore), and readEpoch[a][k], the owner epoch   *)
(* captured when it was read.  Versions and epochs only grow together in   *)
(* the store, so pairs are compared lexicographically.  A commit signal    *)
(* counts as (version, NoEpoch).                                           *)
(*                                                                         *)
(* The client is sequential per key: while a fetch of k is in flight, its  *)
(* agent makes no other call on k.                                         *)
(*                                                                         *)
(* Mutants: ReplyAlwaysValid (the old client: the reply is installed valid *)
(* whatever was signalled meanwhile) and DedupByVersion (the old client's  *)
(* duplicate filter: a reclaim signal at a version already seen is         *)
(* dropped, its epoch ignored).                                            *)
(***************************************************************************)
EXTENDS SharedStore

\* A signal's or a view's place in the store's history.
Sigs  == [ver : -1..MaxVersion, ep : {NoEpoch} \cup 0..MaxEpoch]
NoSig == [ver |-> -1, ep |-> NoEpoch]

\* x is older than y (lexicographic on (version, epoch)).
Older(x, y) == x.ver < y.ver \/ (x.ver = y.ver /\ x.ep < y.ep)
MaxSig(x, y) == IF Older(x, y) THEN y ELSE x

\* A reclaim signal: to the reclaimed holder, with the version and new epoch.
RMsgs == [to : Agents, key : Artifacts, ver : 0..MaxVersion, ep : 0..MaxEpoch]

VARIABLES
    fetching,  \* fetching[a][k]: the store served a's fetch of k; the reply is in flight
    sigSince,  \* sigSince[a][k]: the newest signal of k a's client processed since
               \*   that fetch began (NoSig when none, or no fetch in flight)
    seen,      \* seen[a][k]: the newest reclaim signal of k a's client processed
               \*   (its duplicate filter; NoSig when none)
    heard,     \* ghost: heard[a][k] = the newest signal of k delivered to a's
               \*   client, processed or dropped (NoSig when none)
    rbus       \* the in-flight reclaim signals, a subset of RMsgs

cfVars    == <<fetching, sigSince, seen, heard, rbus>>
cfAllVars == <<sAllVars, cfVars>>

CfTypeOK ==
    /\ SsTypeOK
    /\ fetching \in [Agents -> [Artifacts -> BOOLEAN]]
    /\ sigSince \in [Agents -> [Artifacts -> Sigs]]
    /\ seen     \in [Agents -> [Artifacts -> Sigs]]
    /\ heard    \in [Agents -> [Artifacts -> Sigs]]
    /\ rbus     \subseteq RMsgs

CfInit ==
    /\ SsInit
    /\ fetching = [a \in Agents |-> [k \in Artifacts |-> FALSE]]
    /\ sigSince = [a \in Agents |-> [k \in Artifacts |-> NoSig]]
    /\ seen     = [a \in Agents |-> [k \in Artifacts |-> NoSig]]
    /\ heard    = [a \in Agents |-> [k \in Artifacts |-> NoSig]]
    /\ rbus     = {}

-----------------------------------------------------------------------------

\* The view a's client caches for k: the version of its copy and the epoch it
\* was read under.
CachedView(a, k) == [ver |-> view[a][k], ep |-> readEpoch[a][k]]

CommitSig(m)  == [ver |-> m.ver, ep |-> NoEpoch]
ReclaimSig(r) == [ver |-> r.ver, ep |-> r.ep]

\* The client processes reclaim signal r (else it drops it as a duplicate or
\* an older one).  Mutant DedupByVersion compares versions only.
Unseen(r) ==
    IF Mutant = "DedupByVersion" THEN seen[r.to][r.key].ver < r.ver
    ELSE Older(seen[r.to][r.key], ReclaimSig(r))

\* A signal s of k delivered to a: heard always; sigSince when processed
\* during a fetch.
Hear(a, k, s)  == heard' = [heard EXCEPT ![a][k] = MaxSig(@, s)]
Track(a, k, s) == sigSince' = IF fetching[a][k]
                              THEN [sigSince EXCEPT ![a][k] = MaxSig(@, s)]
                              ELSE sigSince

-----------------------------------------------------------------------------
(* The two-step fetch (strategy lazy: on a miss). *)

\* The store step: the Read is registered (S, ViewVersion, ReadEpoch) and the
\* coordinator learns the version; the client's cache is not touched yet.
FetchRequest(a, k) ==
    /\ ~fresh[a][k]
    /\ ~fetching[a][k]
    /\ FRead(a, k)
    /\ Learn(a, {k}, [j \in {k} |-> version[k]])
    /\ UNCHANGED <<fresh, bus>>
    /\ fetching' = [fetching EXCEPT ![a][k] = TRUE]
    /\ sigSince' = [sigSince EXCEPT ![a][k] = NoSig]
    /\ UNCHANGED <<seen, heard, rbus>>

\* The reply installs the fetched view: valid unless a newer signal for k was
\* processed since the fetch began.  The fetched view is (view, readEpoch) as
\* the request left them: nothing else of a's touches k meanwhile.
\* Mutant ReplyAlwaysValid installs it valid regardless.
FetchReply(a, k) ==
    /\ fetching[a][k]
    /\ fresh' = [fresh EXCEPT ![a][k] =
                    IF Mutant = "ReplyAlwaysValid" THEN TRUE
                    ELSE ~Older(CachedView(a, k), sigSince[a][k])]
    /\ fetching' = [fetching EXCEPT ![a][k] = FALSE]
    /\ sigSince' = [sigSince EXCEPT ![a][k] = NoSig]
    /\ UNCHANGED <<fAllVars, known, bus, seen, heard, rbus>>

-----------------------------------------------------------------------------
(* Reclaims and signals. *)

\* The sweep reclaims h's grant of k and signals h (version, new epoch).
CfReclaim(h, k) ==
    /\ Reclaim(h, k)
    /\ UNCHANGED <<tornBatches, fVars, sVars>>
    /\ rbus' = rbus \cup {[to |-> h, key |-> k, ver |-> version[k], ep |-> epoch[k] + 1]}
    /\ UNCHANGED <<fetching, sigSince, seen, heard>>

\* A commit signal is delivered (SharedStore's Deliver: invalidate a copy older
\* than it; the coordinator learns its version).
CfDeliver(m) ==
    /\ Deliver(m)
    /\ Hear(m.to, m.key, CommitSig(m))
    /\ Track(m.to, m.key, CommitSig(m))
    /\ UNCHANGED <<fetching, seen, rbus>>

CfLose(m) == Lose(m) /\ UNCHANGED cfVars

\* A reclaim signal is delivered (consumed, or left in flight: duplication).
\* Processed: the cached view is invalid if older than the signal.  Dropped:
\* nothing but the ghost changes.
RDeliver(r) ==
    /\ r \in rbus
    /\ rbus' \in {rbus \ {r}, rbus}
    /\ Hear(r.to, r.key, ReclaimSig(r))
    /\ IF Unseen(r)
       THEN /\ fresh' = [fresh EXCEPT ![r.to][r.key] =
                            @ /\ ~Older(CachedView(r.to, r.key), ReclaimSig(r))]
            /\ seen' = [seen EXCEPT ![r.to][r.key] = ReclaimSig(r)]
            /\ Track(r.to, r.key, ReclaimSig(r))
       ELSE UNCHANGED <<fresh, seen, sigSince>>
    /\ UNCHANGED <<fAllVars, known, bus, fetching>>

RLose(r) ==
    /\ r \in rbus
    /\ rbus' = rbus \ {r}
    /\ UNCHANGED <<sAllVars, fetching, sigSince, seen, heard>>

-----------------------------------------------------------------------------

\* SharedStore's client calls on k, made only while no fetch of k is in flight.
ClientCall(a, k) ==
    /\ ~fetching[a][k]
    /\ \/ ClientCas(a, k)
       \/ ClientDeleteCas(a, k)
       \/ ClientCasRefused(a, k)
       \/ ClientAcquire(a, k)
       \/ ClientAcquireStale(a, k)
       \/ ClientCommit(a, k)
       \/ ClientDelete(a, k)
       \/ ClientRelease(a, k)
    /\ UNCHANGED cfVars

CfNext ==
    \/ FTick /\ UNCHANGED <<sVars, cfVars>>
    \/ \E a \in Agents : FHeartbeat(a) /\ UNCHANGED <<sVars, cfVars>>
    \/ \E h \in Agents, k \in Artifacts : CfReclaim(h, k)
    \/ \E a \in Agents, k \in Artifacts :
           \/ FetchRequest(a, k)
           \/ FetchReply(a, k)
           \/ ClientCall(a, k)
    \/ \E a \in Agents, K \in Batches :
           /\ \A j \in K : ~fetching[a][j]
           /\ ClientCommitAll(a, K)
           /\ UNCHANGED cfVars
    \/ \E m \in bus : CfDeliver(m) \/ CfLose(m)
    \/ \E r \in rbus : RDeliver(r) \/ RLose(r)

CfSpec == CfInit /\ [][CfNext]_cfAllVars

-----------------------------------------------------------------------------
(* Invariants: every invariant of SharedStore (BusIndependence included)   *)
(* must hold with the two-step fetch and reclaim signals.  In addition:    *)

\* The cache never re-validates backwards: once a signal for k was delivered
\* to a's client (processed or dropped as a duplicate), a's cache never holds
\* a valid view of k older than that signal.
CacheNotStaleAfterSignal ==
    \A a \in Agents, k \in Artifacts :
        fresh[a][k] => ~Older(CachedView(a, k), heard[a][k])

\* A reclaim signal never announces a version or an epoch the store has not
\* reached.
ReclaimSignalsNeverAhead ==
    \A r \in rbus : r.ver <= version[r.key] /\ r.ep <= epoch[r.key]

=============================================================================
