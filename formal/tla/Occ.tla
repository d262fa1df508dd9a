--------------------------------- MODULE Occ ---------------------------------
(***************************************************************************)
(* Optimistic writes on top of CrashRecovery: CommitCas (and DeleteCas,    *)
(* the CAS form of Delete) with an expectedVersion and no grant needed,    *)
(* and CommitAll, the atomic multi-artifact publish.                      *)
(*                                                                         *)
(* The CommitCas checks, atomically and in PROTOCOL order:                 *)
(*   expectedVersion > Version           -> invalid argument               *)
(*   expectedVersion < Version           -> VersionConflict                *)
(*   another agent holds E/M             -> HeldByOther                    *)
(*   ReadEpoch present and < OwnerEpoch  -> StaleEpoch                     *)
(* The caller's expectedVersion ranges over every value 0..MaxVersion:     *)
(* the store must be safe against any client, not only a well-behaved one.*)
(***************************************************************************)
EXTENDS CrashRecovery

VARIABLE
    tornBatches   \* history: the member sets of every CommitAll that landed
                  \*   only part of its members (AllOrNothing)

occAllVars == <<crAllVars, tornBatches>>

OccTypeOK ==
    /\ CrTypeOK
    /\ tornBatches \subseteq SUBSET Artifacts

OccInit == CrInit /\ tornBatches = {}

-----------------------------------------------------------------------------

\* The outcome of the CommitCas checks for caller a, artifact k, expected
\* version e, when the version compared against is cur.  The store always
\* compares against its own Version (cur = version[k]); SharedStore's mutant
\* TrustCache passes a coordinator's cached version instead.
\* Mutant NoVersionCheck drops the VersionConflict line; mutant NoFence drops
\* the StaleEpoch line.
CasCheckAt(a, k, e, cur) ==
    IF e > cur THEN "InvalidArgument"
    ELSE IF e < cur /\ Mutant # "NoVersionCheck" THEN "VersionConflict"
    ELSE IF OtherHolder(a, k) THEN "HeldByOther"
    ELSE IF StaleReader(a, k) /\ Mutant # "NoFence" THEN "StaleEpoch"
    ELSE "ok"

CasCheck(a, k, e) == CasCheckAt(a, k, e, version[k])

\* A CAS winner becomes S; a caller that holds the grant keeps it (-> M).
CasWriterState(a, k) == IF state[a][k] \in Holding THEN "M" ELSE "S"

\* A CAS write (del = TRUE: a CAS delete, which needs live content).  The
\* written content was derived from version e.  e = 0 creates an artifact
\* that never existed; e = a tombstone's version re-creates it.
CasWrite(a, k, e, del, cur) ==
    /\ CasCheckAt(a, k, e, cur) = "ok"
    /\ del => Exists(k)
    /\ version[k] < MaxVersion                       \* model bound only
    /\ Write(a, {k}, [j \in {k} |-> e], del, [j \in {k} |-> CasWriterState(a, k)])
    /\ UNCHANGED <<rVars, tornBatches>>

CommitCas(a, k, e) == CasWrite(a, k, e, FALSE, version[k])
DeleteCas(a, k, e) == CasWrite(a, k, e, TRUE,  version[k])

-----------------------------------------------------------------------------
(* CommitAll: a batch is a non-empty set K of artifacts with an expected     *)
(* version exp[k] for each member.                                          *)

\* The members that would pass the CommitCas checks on their own.
Passing(a, K, exp) ==
    {k \in K : CasCheck(a, k, exp[k]) = "ok" /\ version[k] < MaxVersion}

\* The members that land: all of them or none.  Mutant PartialCommitAll
\* lands the passing members and silently drops the others.
Winners(a, K, exp) ==
    IF Mutant = "PartialCommitAll" THEN Passing(a, K, exp)
    ELSE IF Passing(a, K, exp) = K THEN K ELSE {}

\* A refused batch (Winners = {}) changes nothing and is no step.  Signals
\* go out only after the whole batch landed (see SharedStore).
CommitAll(a, K, exp) ==
    LET W == Winners(a, K, exp) IN
    /\ W # {}
    /\ Write(a, W, [j \in W |-> exp[j]], FALSE, [j \in W |-> CasWriterState(a, j)])
    /\ tornBatches' = IF W = K THEN tornBatches ELSE tornBatches \cup {K}
    /\ UNCHANGED rVars

\* The batches an agent may submit.
Batches == (SUBSET Artifacts) \ {{}}

-----------------------------------------------------------------------------

OccNext ==
    \/ (CrNext /\ UNCHANGED tornBatches)
    \/ \E a \in Agents, k \in Artifacts, e \in 0..MaxVersion :
           \/ CommitCas(a, k, e)
           \/ DeleteCas(a, k, e)
    \/ \E a \in Agents, K \in Batches :
           \E exp \in [K -> 0..MaxVersion] : CommitAll(a, K, exp)

OccSpec == OccInit /\ [][OccNext]_occAllVars

-----------------------------------------------------------------------------
(* Invariants: NoLostUpdate (from Coherence) now covers both write paths:  *)
(* a CAS win had expectedVersion = Version before it (basis = e), a grant  *)
(* commit was based on the holder's view.  And the batch property:         *)

\* Every CommitAll landed all of its members or none.
AllOrNothing == tornBatches = {}

=============================================================================
