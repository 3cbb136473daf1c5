// The reference model of the Linux IOVA API: the public surface for sim/, rules/ and reports.
// See model/README.md for what is modelled and how.
export * from './witness.js';
export { MODEL_VERSION } from './version.js';

export { World, createWorld, KernelOops } from './world.js';
export type { WorldOptions, ResolvedOptions, Reservation, LinkRecord, OneStepMapping, RecordedBreach, ArgValue, LiveSnapshot } from './world.js';
export { KERNEL_PROFILES, MAINLINE_FEATURES } from './features.js';
export type { KernelFeatures } from './features.js';

export {
  DeviceObj,
  DmaIovaStateObj,
  DomainObj,
  CookieObj,
  IovaDomainObj,
  GeometryObj,
  DevIommuObj,
  IovaObj,
  PageObj,
  GatherObj,
  U64Cell,
  isModelObject,
  kindForPointerType,
} from './objects.js';
export type { ModelObject, ModelObjectKind, FieldValue, FieldSpec, FieldResult, StateLifecycle } from './objects.js';

export { callModel, hasModelFunction, MODEL_FUNCTION_NAMES } from './dispatch.js';
export type { ModelArg, ModelValue, ModelCallResult, DispatchErrorKind } from './dispatch.js';

export {
  FUNCTION_CONTRACTS,
  CONTRACT_FUNCTION_NAMES,
  IOVA_API_FUNCTIONS,
  RESTRICTED_FUNCTIONS,
  PREFILTER_IDENTIFIERS,
  contractFor,
  functionsIn,
  categorySet,
  paramIndexes,
} from './contracts.js';
export type {
  FunctionContract,
  ParamContract,
  ParamRole,
  FunctionCategory,
  ApiLayer,
  CallerObligation,
  FailureContract,
  GuardContract,
  ObligationKind,
} from './contracts.js';

export {
  SCENARIO_KEYS,
  SCENARIO_AXES,
  DEFAULT_SCENARIO,
  GRANULES,
  PHYS_BASE,
  scenarioGrid,
  scenarioGridSize,
  parseScenario,
  formatScenario,
  validateScenario,
  sizeCases,
  physOffsetCases,
  evalInput,
} from './scenarios.js';
export type { ScenarioAxes, ScenarioKey, ScenarioParse, InputCase } from './scenarios.js';

export { traceToJson, parseTrace, bigintReplacer, rangePicture } from './trace.js';
export type { TraceParse } from './trace.js';

export { assertByteAddress, assertBufferCovered, assertFailedLinksRedone, assertNoStaleState, assertPublished, assertTryAllocOutcome } from './assertions.js';
export type { AssertOptions } from './assertions.js';

export { observe, compareOutcomes, runReference, iommu_dma_iova_alloc, REFERENCE_EXTRAS } from './differential.js';
export type { ObservedOutcome } from './differential.js';

export { dataModel, intType, wrap, checked, hex, formatValue, parseValue, U64_MAX } from './ctypes.js';
export type { Arch, DataModel, IntType, Checked } from './ctypes.js';
export * from './kconst.js';

export * as api from './api.js';
