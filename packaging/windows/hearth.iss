; Inno Setup script: Hearth's Windows installer, built from the PyInstaller folder dist\Hearth.
; NOT BUILT HERE (Hearth's build machines run Linux). On Windows, after packaging\windows\hearth.spec:
;   iscc packaging\windows\hearth.iss      -> dist\Hearth-0.1.0-setup.exe
; Installs per user by default (no administrator needed), adds a Start menu entry, and makes
; .gguf files open in Hearth.
#define AppVersion "0.1.0"

[Setup]
AppId={{5B0F6C3E-2F4A-4C55-9C1E-8E7A1D2B4F60}
AppName=Hearth
AppVersion={#AppVersion}
AppPublisher=The Hearth developers
DefaultDirName={autopf}\Hearth
DefaultGroupName=Hearth
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
OutputDir=..\..\dist
OutputBaseFilename=Hearth-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\hearth.ico
UninstallDisplayIcon={app}\Hearth.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: desktopicon; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\Hearth\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Hearth"; Filename: "{app}\Hearth.exe"
Name: "{autodesktop}\Hearth"; Filename: "{app}\Hearth.exe"; Tasks: desktopicon

[Registry]
; .gguf -> "GGUF language model", opened by `Hearth.exe --model FILE`
Root: HKA; Subkey: "Software\Classes\.gguf\OpenWithProgids"; ValueType: string; ValueName: "Hearth.gguf"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Hearth.gguf"; ValueType: string; ValueName: ""; ValueData: "GGUF language model"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Hearth.gguf\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Hearth.exe,0"
Root: HKA; Subkey: "Software\Classes\Hearth.gguf\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Hearth.exe"" --model ""%1"""

[Run]
Filename: "{app}\Hearth.exe"; Description: "{cm:LaunchProgram,Hearth}"; Flags: nowait postinstall skipifsilent
