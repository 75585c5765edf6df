-- Issue 20: the clip editor. A clip's edit (range, cut words, corrected words, caption line breaks and look) is kept
-- as the `domain::edit::ClipEdit` JSON the editor saves and the renderer reads; NULL: never edited. `revision`
-- counts finished renders, so the player asks for the new file once a re-render is ready (the previous file stays
-- playable and downloadable until then).
ALTER TABLE clips ADD COLUMN edit jsonb;
ALTER TABLE clips ADD COLUMN revision integer NOT NULL DEFAULT 0 CHECK (revision >= 0);
-- The timeline's waveform peaks and filmstrip sprites, computed once per video by the worker and stored next to the
-- source (`sources/<id>/timeline/…`): the `domain::timeline::TimelineAssets` JSON; NULL until built.
ALTER TABLE videos ADD COLUMN timeline jsonb;
