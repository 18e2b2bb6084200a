"""One Dagster asset per export profile in exports.yaml: the weekly schedule refreshes them after publishing."""

import dagster as dg

from pipelines.defs.exports.profiles import PROFILES_FILE, ExportProfile, default_export_root, load_profiles, run_export
from pipelines.engine.resources import WAREHOUSE_POOL, WarehouseResource

GROUP = "exports"


def export_asset(profile: ExportProfile, published_key: dg.AssetKey) -> dg.AssetsDefinition:
    @dg.asset(
        key=["exports", profile.name],
        deps=[published_key],
        group_name=GROUP,
        # It only reads the published file, but stays in the pool so a run never exports while an op of
        # another run holds the working copy (and the pool rule stays simple: every asset is in it).
        pool=WAREHOUSE_POOL,
        description=f"{profile.description} Owner: {profile.owner}.",
        kinds={"duckdb", *profile.formats},
        metadata={"profile_file": str(PROFILES_FILE.name), "owner": profile.owner, "keep_last": profile.keep_last},
    )
    def _export(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        root = default_export_root(warehouse.published)
        result = run_export(profile, warehouse.published, root, run_id=context.run_id)
        for old in result.removed:
            context.log.info(f"removed old export {old}")
        files = result.manifest["files"]
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.folder)),
                "warehouse_build_id": result.manifest["warehouse_build_id"],
                "files": dg.MetadataValue.md(
                    "\n".join(f"- `{f['file']}`: {f['rows']:,} rows, {f['bytes']:,} bytes" for f in files)
                ),
                "dagster/row_count": dg.MetadataValue.int(sum({f["table"]: f["rows"] for f in files}.values())),
            }
        )

    return _export


def export_assets(published_key: dg.AssetKey) -> list[dg.AssetsDefinition]:
    return [export_asset(p, published_key) for p in load_profiles().values()]
