/** `npm run gen` artefact: Loki config, LogQL rules and the Alloy pipeline that feeds Loki. */
import type { Generator } from '../types';
import { lokiConfigFile } from './config';
import { lokiRulesFile } from './rules';
import { alloyConfigFile } from './alloy';

export const generateLoki: Generator = (cfg) => [lokiConfigFile(cfg), lokiRulesFile(cfg), alloyConfigFile()];
