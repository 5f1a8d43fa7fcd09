export {
  type CompiledPattern,
  compilePattern,
  compilePatternText,
  INVALID_EVENT_PATTERN,
  validatePattern,
} from './compile.ts';
